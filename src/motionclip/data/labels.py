"""Natural-language descriptions built from content and style labels.

Each window's text is drawn from several phrasings of its (content, style) pair so the
text loss does not tie a motion to one fixed string. Templates:

- ``{subject} {verb}``            e.g. "an elderly person walks and turns left"
- ``{neutral} {verb} {adverb}``  e.g. "a person walks and turns left slowly, like an old person"

Verb phrases come from :data:`CONTENT_PHRASES`, subjects and adverbs from :data:`STYLE_PHRASES`.
Unknown labels fall back to the label text with dashes turned into spaces.
"""

from __future__ import annotations

import itertools

NEUTRAL_SUBJECTS = ("a person", "someone", "a human")

CONTENT_PHRASES: dict[str, tuple[str, ...]] = {
    "walk": ("walks", "walks forward", "is walking"),
    "walk-turn-left": ("walks and turns left", "walks, turning to the left", "turns left while walking"),
    "walk-turn-right": ("walks and turns right", "walks, turning to the right", "turns right while walking"),
    "walk-back": ("walks backwards", "walks backward", "steps backwards"),
    "walk-left": ("walks sideways to the left", "side-steps to the left", "moves to the left"),
    "walk-right": ("walks sideways to the right", "side-steps to the right", "moves to the right"),
    "run": ("runs", "is running", "jogs forward"),
    "dash": ("dashes forward", "sprints", "runs fast"),
    "wave-both-hands": ("waves both hands", "waves with both arms", "is waving both hands"),
    "wave-left-hand": ("waves the left hand", "waves with the left arm", "is waving the left hand"),
    "wave-right-hand": ("waves the right hand", "waves with the right arm", "is waving the right hand"),
    "raise-up-both-hands": ("raises both hands", "lifts both arms up", "puts both hands up"),
    "raise-up-left-hand": ("raises the left hand", "lifts the left arm up", "puts the left hand up"),
    "raise-up-right-hand": ("raises the right hand", "lifts the right arm up", "puts the right hand up"),
    "bow": ("bows", "bows politely", "takes a bow"),
    "bye": ("waves goodbye", "says goodbye with a wave", "waves bye"),
    "byebye": ("waves goodbye with both hands", "waves bye-bye", "waves farewell"),
    "guide": ("gestures to guide someone", "shows the way with the hand", "points the way"),
    "respond": ("responds with a gesture", "answers with a nod and a gesture", "reacts to someone"),
    "call": ("beckons someone over", "calls someone with a hand gesture", "waves someone over"),
    "punch": ("throws a punch", "punches", "punches forward"),
    "kick": ("kicks", "throws a kick", "kicks forward"),
    "slash": ("slashes with a sword", "swings a sword", "makes a slashing motion"),
    "dance-long": ("dances", "is dancing", "performs a dance"),
    "dance-short": ("dances", "does a short dance", "performs a dance move"),
}

STYLE_PHRASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # style: (subjects, adverbs)
    "normal": (("a person", "someone", "a human"), ("normally", "in a neutral way")),
    "active": (("an energetic person", "an active person"), ("energetically", "actively")),
    "elderly": (("an elderly person", "an old person"), ("like an old person", "slowly, like an elderly person")),
    "old": (("an elderly person", "an old person"), ("like an old person", "slowly, like an elderly person")),
    "exhausted": (("an exhausted person", "a tired person"), ("wearily", "as if exhausted")),
    "tired": (("a tired person", "an exhausted person"), ("wearily", "as if tired")),
    "feminine": (("a feminine person", "a graceful person"), ("in a feminine way", "gracefully")),
    "masculine": (("a masculine person", "a manly person"), ("in a masculine way", "in a manly way")),
    "masculinity": (("a masculine person", "a manly person"), ("in a masculine way", "in a manly way")),
    "youthful": (("a young person", "a youthful person"), ("youthfully", "like a young person")),
    "childish": (("a child", "a childish person"), ("childishly", "like a child")),
    "happy": (("a happy person", "a cheerful person"), ("happily", "cheerfully")),
    "sad": (("a sad person", "an unhappy person"), ("sadly", "gloomily")),
    "angry": (("an angry person", "a furious person"), ("angrily", "furiously")),
    "proud": (("a proud person", "a confident person"), ("proudly", "confidently")),
    "not-confident": (("an unconfident person", "a timid person"), ("timidly", "without confidence")),
    "musical": (("a musical performer", "a theatrical person"), ("theatrically", "like in a musical")),
    "giant": (("a giant", "a huge heavy person"), ("heavily, like a giant", "with heavy steps")),
    "chimpira": (("a thug", "a street punk"), ("like a thug", "in a swaggering way")),
}


def content_phrases(content: str) -> tuple[str, ...]:
    return CONTENT_PHRASES.get(content, (content.replace("-", " ").replace("_", " "),))


def style_phrases(style: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    words = style.replace("-", " ").replace("_", " ")
    return STYLE_PHRASES.get(style, ((f"a {words} person",), (f"in a {words} way",)))


def describe(content: str, style: str, max_phrasings: int = 6) -> list[str]:
    """Distinct descriptions of a (content, style) pair, most natural first."""
    verbs = content_phrases(content)
    subjects, adverbs = style_phrases(style)
    out: list[str] = []
    for subject, verb in itertools.product(subjects, verbs):
        out.append(f"{subject} {verb}")
    for neutral, verb, adverb in zip(itertools.cycle(NEUTRAL_SUBJECTS), verbs, itertools.cycle(adverbs)):
        out.append(f"{neutral} {verb} {adverb}")
    seen: dict[str, None] = {}
    # interleave the two template families so the first few already vary
    half = len(subjects) * len(verbs)
    ordered = [x for pair in itertools.zip_longest(out[:half], out[half:]) for x in pair if x]
    for text in ordered:
        seen.setdefault(text, None)
    return list(seen)[:max_phrasings]


def class_prompt(content: str) -> str:
    """The text used for a content class in zero-shot recognition. A class that is
    already a sentence (free-text datasets use the first description when a take has no
    class label) is used as it is."""
    if " " in content.strip() and content not in CONTENT_PHRASES:
        return content.strip()
    return f"a person {content_phrases(content)[0]}"


def style_prompt(style: str) -> str:
    """The text used for a style class in zero-shot recognition."""
    return f"{style_phrases(style)[0][0]} moves"
