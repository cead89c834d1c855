"""The local agent's small vocabulary: instruction words -> the catalog values that carry their meaning.

Words in an instruction rarely spell a catalog's values ("something funny for kids" names no
genre), and the words that do appear often sit in titles ("Not Suitable for Children"). This
table says, for a few dozen common wishes, which *property values* carry them, so the agent can
read "funny" as the values ``Comedy``/``humor`` and "for kids" as ``Children``/``childrens``.

Each concept is one row: ``name: (cues, values, excludes)``

- ``cues``: the instruction words or phrases that ask for it ("|"-separated). A cue prefixed with
  ``-`` asks for its *absence* ("mild" asks for no ``spicy``, "meat" for no ``vegetarian``); a
  negation word before a cue flips it (``core.ranking.local.intent`` reads that).
- ``values``: the catalog property values (list elements, short category strings, or the name
  of a true boolean property) that carry the concept, in any catalog; spelling is compared after
  the same normalisation as the instruction (lower case, punctuation and hyphens as spaces,
  plurals folded), so ``children-s`` and ``childrens`` both match.
- ``excludes``: concepts that asking for this one rules out (kids' items are not horror; a
  spoof is not what "scary" asks for; "for adults" means not for children or teens). A concept
  with no values (``adult``) works through its exclusions only.

Concepts whose values no candidate carries are ignored for that request, so a books concept
costs nothing on the movies catalog. Words that are not cues can still match a catalog value
directly (``western``, ``Italian``, ``poetry``): see :func:`core.ranking.local.intent.read_instruction`.
"""

from __future__ import annotations

CONCEPTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # audience
    "children": ("kid|kids|child|children|childrens|kid friendly|family friendly|for the family|whole family|"
                 "family night|family movie|little ones|young children|toddler|toddlers|youngsters",
                 "children|childrens|children s|kid|kids|children s book|childrens book|children book|kid book|"
                 "kids book|middle grade|juvenile|juvenile fiction", ("horror", "erotica")),
    "teen": ("teen|teens|teenager|teenagers|teenage|young adult|young adults|ya|adolescent|adolescents",
             "young adult|ya|teen|ya fantasy|ya contemporary|ya romance",
             ("erotica",)),
    "adult": ("adult|adults|for adults|grown up|grown ups|grownup|grownups|mature|adults only", "",
              ("children", "teen")),
    # tone and genre
    "comedy": ("funny|comedy|comedies|comedic|humor|humour|humorous|hilarious|laugh|laughs|make me laugh|"
               "lighthearted|light hearted|witty|romcom|rom com",
               "comedy|humor|humour|funny|humorous|dark comedy|black comedy", ()),
    "scary": ("scary|scare|scare me|frightening|terrifying|creepy|spooky|chilling|horrifying",
              "horror", ("comedy",)),
    "horror": ("horror|slasher|gore|gory", "horror|horror thriller|thriller horror", ()),
    "romance": ("romance|romances|romantic|love story|love stories|romcom|rom com",
                "romance|romantic|love|contemporary romance|historical romance|romantic comedy", ()),
    "science fiction": ("sci fi|scifi|science fiction|sf|space opera|futuristic",
                        "sci fi|scifi|science fiction|sf|space opera", ()),
    "mystery": ("mystery|mysteries|whodunit|whodunnit|detective|sleuth",
                "mystery|mysteries|detective|mystery thriller|cozy mystery|whodunit", ()),
    "documentary": ("documentary|documentaries", "documentary", ()),
    "true story": ("real life|true story|true stories|non fiction|nonfiction|factual|based on a true story",
                   "documentary|non fiction|nonfiction|biography|memoir|autobiography", ()),
    "animation": ("animated|animation|cartoon|cartoons|anime", "animation|animated|anime|cartoon", ()),
    "war": ("war|wartime|military|ww2|wwii|world war", "war|military|wwii|world war ii|ww2|military fiction", ()),
    "western": ("western|westerns|cowboy|cowboys|wild west", "western", ()),
    "musical": ("musical|musicals|sing along", "musical", ()),
    "erotica": ("erotica|erotic|steamy|smut", "erotica|erotic|bdsm|smut", ()),
    "poetry": ("poem|poems|poetry|verse|poet|poets", "poetry|poem|poems", ()),
    "cooking": ("recipe|recipes|cookbook|cookbooks|cook|cooking|cookery|baking",
                "cooking|cookbook|cook book|cookery|food|recipe|baking|food cooking", ()),
    "religion": ("religious|religion|christian|faith|spiritual|spirituality|god|bible|church",
                 "religion|religious|christian|christianity|faith|spirituality|spiritual|christian living|"
                 "christian fiction|christian non fiction|theology|bible", ()),
    "graphic novel": ("graphic novel|graphic novels|comics|comic book|comic books|manga",
                      "graphic novel|comic|comics graphic novel|graphic novels comic|comic book|manga|graphic", ()),
    # food
    "vegetarian": ("vegetarian|veggie|meatless|meat free|-meat|-meaty|-carnivore", "vegetarian|vegan", ()),
    "vegan": ("vegan|plant based", "vegan", ()),
    "gluten-free": ("gluten free|coeliac|celiac|wheat free", "gluten free", ()),
    "spicy": ("spicy|spiced|hot|fiery|chilli|chili|chillies|chilies|kick|peppery|-mild|-bland",
              "spicy|hot", ()),
    "dessert": ("dessert|desserts|sweet|sweets|pudding|puddings|cake", "dessert|sweet", ()),
    "starter": ("starter|starters|appetizer|appetizers|appetiser|appetisers|small plate|small plates|snack|nibbles",
                "starter|appetizer|appetiser", ()),
    "main course": ("main|main course|main dish|entree", "main|main course", ()),
    "side dish": ("side dish|side dishes|side", "side|side dish", ()),
    "soup": ("soup|soups|broth", "soup", ()),
    "drink": ("drink|drinks|beverage", "drink|beverage", ()),
    "asian": ("asian", "japanese|chinese|thai|korean|vietnamese|indian|indonesian|malaysian|filipino|asian", ()),
    "mediterranean": ("mediterranean", "italian|greek|spanish|middle eastern|turkish|lebanese|mediterranean", ()),
    "latin american": ("latin american|latin|latino", "mexican|peruvian|brazilian|argentinian|latin american", ()),
}
"""``name: (cues, values, excludes)``; see the module docstring."""

NEGATIONS = frozenset("no not without nothing non never avoid except excluding none nor neither minus skip".split())
"""Words that negate the cues and catalog values after them, up to the end of the clause."""

CLAUSE_ENDS = frozenset("but and yet though although instead rather just only so while please".split())
"""Words (besides punctuation) that end a negation's reach: "no horror, but funny" negates only horror."""

GENERIC = frozenset("book novel movie film flick dish meal food thing something anything one story read watch "
                    "eat show title item".split())
"""Words that name the kind of item, not a property of it: never matched to a catalog value directly."""
