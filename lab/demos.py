"""Ready-made demo personas for the shipped sample catalogs (items named by their catalog IDs).

Each rating is ``(catalog item ID, weight, days ago)``, spread over time so the decay plot on the
Personas page shows something; a test checks that every ID exists in ``sample_data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core import list_samples, to_datetime

from .persona_ui import DraftInteraction, PersonaDraft

@dataclass(frozen=True)
class DemoPersona:
    """A ready-made persona: ``ratings`` are ``(catalog item ID, weight, days ago)``."""

    name: str
    description: str
    properties: dict[str, Any]
    ratings: tuple[tuple[Any, float, float], ...]

    def draft(self, now: datetime) -> PersonaDraft:
        now = to_datetime(now, what="now")
        return PersonaDraft(self.name, dict(self.properties),
                            tuple(DraftInteraction(i, w, now - timedelta(days=d)) for i, w, d in self.ratings))


DEMOS: dict[str, tuple[DemoPersona, ...]] = {
    "movies": (
        DemoPersona("Sci-fi fan", "Star Wars, The Matrix, Alien and Blade Runner; can't stand romcoms.",
                    {"favorite_genres": ["Sci-Fi", "Action"], "mood": "epic space adventures"},
                    ((260, 1.0, 2), (1196, 1.0, 9), (2571, 0.9, 30), (1214, 0.8, 75), (1200, 0.7, 150),
                     (541, 0.8, 400), (2671, -0.8, 5), (539, -0.7, 40), (597, -1.0, 120), (2424, -0.6, 300))),
        DemoPersona("Family movie night", "Pixar for the whole family; nothing scary.",
                    {"favorite_genres": ["Animation", "Children"], "audience": "kids aged 6 to 10"},
                    ((1, 1.0, 1), (3114, 0.9, 7), (6377, 1.0, 20), (4886, 0.9, 45), (8961, 0.8, 90),
                     (68954, 0.9, 180), (60069, 0.7, 365), (50872, 0.8, 500), (1214, -1.0, 15))),
        DemoPersona("Romcom lover", "Notting Hill and When Harry Met Sally; no monsters please.",
                    {"favorite_genres": ["Romance", "Comedy"]},
                    ((2671, 1.0, 3), (1307, 1.0, 14), (539, 0.8, 60), (597, 0.7, 200), (6942, 0.9, 30),
                     (1214, -0.9, 10), (1200, -0.8, 100))),
    ),
    "books": (
        DemoPersona("Fantasy reader", "Tolkien, Martin, Rothfuss and Sanderson; not into erotica or thrillers.",
                    {"favorite_shelves": ["fantasy", "epic-fantasy"]},
                    ((7, 1.0, 3), (19, 1.0, 12), (39, 0.9, 40), (192, 1.0, 80), (389, 0.8, 150),
                     (330, 0.7, 300), (562, 0.9, 20), (34, -0.9, 25), (26, -0.5, 200))),
        DemoPersona("Thriller reader", "Gone Girl, Dragon Tattoo, Agatha Christie; no vampires.",
                    {"favorite_shelves": ["mystery", "thriller", "crime"]},
                    ((30, 1.0, 4), (16, 0.9, 30), (61, 0.8, 60), (200, 0.9, 120), (209, 0.8, 250),
                     (3, -0.8, 10), (49, -0.7, 90))),
    ),
    "workshop": (
        DemoPersona("Pasta lover", "Roman pasta first; raw fish is not for them.",
                    {"favorite_cuisines": ["Italian"], "course": "main"},
                    (("spaghetti-carbonara", 1.0, 1), ("cacio-e-pepe", 1.0, 6), ("lasagne-bolognese", 0.9, 20),
                     ("tagliatelle-ragu", 0.8, 45), ("trofie-pesto", 0.7, 90), ("bucatini-amatriciana", 0.9, 150),
                     ("salmon-nigiri", -0.7, 30), ("tom-yum-goong", -0.4, 120))),
        DemoPersona("Vegetarian who loves spice",
                    "Chana masala, tofu red curry, black bean tacos; no meat, and bland is boring.",
                    {"diet": ["vegetarian"], "spice": "hot"},
                    (("chana-masala", 1.0, 2), ("tofu-red-curry", 1.0, 10), ("black-bean-tacos", 0.9, 25),
                     ("penne-arrabbiata", 0.8, 60), ("shakshuka", 0.8, 100), ("dry-fried-green-beans", 0.7, 200),
                     ("pork-vindaloo", -1.0, 15), ("bbq-pulled-pork", -1.0, 50), ("mac-and-cheese", -0.5, 80))),
    ),
}


def demos_for(collection: str) -> tuple[DemoPersona, ...]:
    """The demo personas of the sample catalog installed as ``collection`` (none for other catalogs)."""
    names = [info.name for info in list_samples() if info.collection == collection]
    return DEMOS.get(names[0], ()) if names else ()
