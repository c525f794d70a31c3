"""Natural-language descriptions built from content and style labels.

Each window's text is drawn from several phrasings of its (content, style) pair so the
text loss does not tie a motion to one fixed string, and prompts people type in other
words still land near the motion. Three sentence shapes, interleaved:

- ``{subject} {verb}``            e.g. "an elderly person walks and turns left"
- ``{neutral} {verb} {adverb}``  e.g. "a woman walks, turning to the left slowly, like an elderly person"
- ``the {noun} {verb}``           e.g. "the old man is walking and turning left"

Verb phrases (synonyms and ``is ...ing`` forms) come from :data:`CONTENT_PHRASES`; a
style is an adjective in its subjects and an adverb in its adverbs (:data:`STYLE_PHRASES`);
neutral subjects are :data:`NEUTRAL_SUBJECTS`. Each tuple's first entry is the canonical
phrasing: ``describe(...)[0]``, :func:`class_prompt` and :func:`style_prompt` use only
first entries, so evaluation and zero-shot prompts do not change when synonyms are added.
Unknown labels fall back to the label text with dashes turned into spaces.
"""

from __future__ import annotations

# How many descriptions ``describe`` returns per (content, style) by default.
DEFAULT_PHRASINGS = 14

# Subjects that carry no style (the ``{neutral} {verb} {adverb}`` shape).
NEUTRAL_SUBJECTS = ("a person", "someone", "a man", "a woman", "a figure", "a human")

CONTENT_PHRASES: dict[str, tuple[str, ...]] = {
    "walk": (
        "walks",
        "walks forward",
        "is walking",
        "walks ahead",
        "walks straight ahead",
        "is walking forward",
        "takes a few steps forward",
        "walks along",
        "moves forward on foot",
    ),
    "walk-turn-left": (
        "walks and turns left",
        "walks, turning to the left",
        "turns left while walking",
        "is walking and turning left",
        "walks in a curve to the left",
        "makes a left turn while walking",
        "walks forward and turns to the left",
        "veers left while walking",
    ),
    "walk-turn-right": (
        "walks and turns right",
        "walks, turning to the right",
        "turns right while walking",
        "is walking and turning right",
        "walks in a curve to the right",
        "makes a right turn while walking",
        "walks forward and turns to the right",
        "veers right while walking",
    ),
    "walk-back": (
        "walks backwards",
        "walks backward",
        "steps backwards",
        "is walking backwards",
        "moves backwards",
        "backs up step by step",
        "walks in reverse",
    ),
    "walk-left": (
        "walks sideways to the left",
        "side-steps to the left",
        "moves to the left",
        "is stepping sideways to the left",
        "steps sideways to the left",
        "shuffles sideways to the left",
    ),
    "walk-right": (
        "walks sideways to the right",
        "side-steps to the right",
        "moves to the right",
        "is stepping sideways to the right",
        "steps sideways to the right",
        "shuffles sideways to the right",
    ),
    # run and dash stay apart: run = run / jog at an easy pace, dash = sprint / dash / fast
    "run": (
        "runs",
        "is running",
        "jogs forward",
        "jogs",
        "is jogging",
        "runs forward",
        "runs at a steady pace",
        "goes for a jog",
        "runs along",
    ),
    "dash": (
        "dashes forward",
        "sprints",
        "runs fast",
        "is sprinting",
        "dashes",
        "sprints forward",
        "runs at full speed",
        "is dashing forward",
        "bursts into a sprint",
    ),
    "wave-both-hands": (
        "waves both hands",
        "waves with both arms",
        "is waving both hands",
        "waves with both hands",
        "waves both arms in the air",
        "is waving with both arms",
        "waves both hands above the head",
    ),
    "wave-left-hand": (
        "waves the left hand",
        "waves with the left arm",
        "is waving the left hand",
        "waves with the left hand",
        "waves the left arm",
        "is waving with the left arm",
        "gives a wave with the left hand",
    ),
    "wave-right-hand": (
        "waves the right hand",
        "waves with the right arm",
        "is waving the right hand",
        "waves with the right hand",
        "waves the right arm",
        "is waving with the right arm",
        "gives a wave with the right hand",
    ),
    "raise-up-both-hands": (
        "raises both hands",
        "lifts both arms up",
        "puts both hands up",
        "is raising both hands",
        "raises both arms above the head",
        "lifts both hands into the air",
        "holds both hands up high",
        "puts both arms up",
    ),
    "raise-up-left-hand": (
        "raises the left hand",
        "lifts the left arm up",
        "puts the left hand up",
        "is raising the left hand",
        "raises the left arm",
        "lifts the left hand into the air",
        "holds the left hand up high",
    ),
    "raise-up-right-hand": (
        "raises the right hand",
        "lifts the right arm up",
        "puts the right hand up",
        "is raising the right hand",
        "raises the right arm",
        "lifts the right hand into the air",
        "holds the right hand up high",
    ),
    "bow": ("bows", "bows politely", "takes a bow", "is bowing", "bends forward in a bow", "makes a polite bow"),
    "bye": (
        "waves goodbye",
        "says goodbye with a wave",
        "waves bye",
        "is waving goodbye",
        "gives a goodbye wave",
        "waves goodbye with one hand",
    ),
    "byebye": (
        "waves goodbye with both hands",
        "waves bye-bye",
        "waves farewell",
        "is waving bye-bye",
        "says bye-bye with both hands",
        "waves farewell with both hands",
    ),
    "guide": (
        "gestures to guide someone",
        "shows the way with the hand",
        "points the way",
        "is showing the way",
        "guides someone with a gesture",
        "points out the direction",
    ),
    "respond": (
        "responds with a gesture",
        "answers with a nod and a gesture",
        "reacts to someone",
        "is responding to someone",
        "replies with a gesture",
        "nods in response",
    ),
    "call": (
        "beckons someone over",
        "calls someone with a hand gesture",
        "waves someone over",
        "is beckoning someone",
        "calls someone over",
        "motions someone to come closer",
    ),
    "punch": ("throws a punch", "punches", "punches forward", "is punching", "strikes with a fist", "throws a jab"),
    "kick": ("kicks", "throws a kick", "kicks forward", "is kicking", "kicks with one leg", "does a kick"),
    "slash": (
        "slashes with a sword",
        "swings a sword",
        "makes a slashing motion",
        "is slashing with a sword",
        "cuts with a sword",
        "swings a blade",
    ),
    "dance-long": ("dances", "is dancing", "performs a dance", "dances for a while", "does a long dance"),
    "dance-short": ("dances", "does a short dance", "performs a dance move", "is dancing", "does a quick dance"),
}

# style: (subjects = the style as an adjective, adverbs = the style as an adverb)
STYLE_PHRASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "normal": (
        ("a person", "someone", "a human", "a man", "a woman", "a figure", "an athlete"),
        ("normally", "in a neutral way", "in an ordinary way", "in a relaxed way"),
    ),
    "active": (
        ("an energetic person", "an active person", "an energetic man", "an active woman", "a vigorous person"),
        ("energetically", "actively", "vigorously", "with a lot of energy"),
    ),
    "elderly": (
        ("an elderly person", "an old person", "an elderly man", "an old woman", "an old man"),
        ("like an old person", "slowly, like an elderly person", "like an elderly person", "stiffly, like an old man"),
    ),
    "old": (
        ("an elderly person", "an old person", "an elderly man", "an old woman", "an old man"),
        ("like an old person", "slowly, like an elderly person", "like an elderly person", "stiffly, like an old man"),
    ),
    "exhausted": (
        ("an exhausted person", "a tired person", "an exhausted man", "a tired woman", "a fatigued person"),
        ("wearily", "as if exhausted", "tiredly", "with heavy, tired movements"),
    ),
    "tired": (
        ("a tired person", "an exhausted person", "a tired man", "an exhausted woman", "a fatigued person"),
        ("wearily", "as if tired", "tiredly", "with heavy, tired movements"),
    ),
    "feminine": (
        ("a feminine person", "a graceful person", "a graceful woman", "an elegant woman", "a feminine woman"),
        ("in a feminine way", "gracefully", "elegantly", "in a graceful, feminine manner"),
    ),
    "masculine": (
        ("a masculine person", "a manly person", "a masculine man", "a strong man", "a manly man"),
        ("in a masculine way", "in a manly way", "with broad, masculine movements", "boldly"),
    ),
    "masculinity": (
        ("a masculine person", "a manly person", "a masculine man", "a strong man", "a manly man"),
        ("in a masculine way", "in a manly way", "with broad, masculine movements", "boldly"),
    ),
    "youthful": (
        ("a young person", "a youthful person", "a young man", "a young woman"),
        ("youthfully", "like a young person", "in a youthful way", "with youthful energy"),
    ),
    "childish": (
        ("a child", "a childish person", "a kid", "a little child"),
        ("childishly", "like a child", "in a childish way", "playfully, like a kid"),
    ),
    "happy": (
        ("a happy person", "a cheerful person", "a happy man", "a cheerful woman"),
        ("happily", "cheerfully", "in a happy way", "joyfully"),
    ),
    "sad": (
        ("a sad person", "an unhappy person", "a sad man", "a sad woman"),
        ("sadly", "gloomily", "in a sad way", "sorrowfully"),
    ),
    "angry": (
        ("an angry person", "a furious person", "an angry man", "a furious woman"),
        ("angrily", "furiously", "in an angry way", "with anger"),
    ),
    "proud": (
        ("a proud person", "a confident person", "a proud man", "a confident woman"),
        ("proudly", "confidently", "with pride", "in a proud way"),
    ),
    "not-confident": (
        ("an unconfident person", "a timid person", "a shy person", "an insecure person"),
        ("timidly", "without confidence", "shyly", "hesitantly"),
    ),
    "musical": (
        ("a musical performer", "a theatrical person", "a stage performer", "a musical actor"),
        ("theatrically", "like in a musical", "dramatically, like on stage", "in a theatrical way"),
    ),
    "giant": (
        ("a giant", "a huge heavy person", "a huge giant", "a heavy giant"),
        ("heavily, like a giant", "with heavy steps", "ponderously", "like a heavy giant"),
    ),
    "chimpira": (
        ("a thug", "a street punk", "a gangster", "a delinquent"),
        ("like a thug", "in a swaggering way", "like a street punk", "with a thuggish swagger"),
    ),
}


def content_phrases(content: str) -> tuple[str, ...]:
    return CONTENT_PHRASES.get(content, (content.replace("-", " ").replace("_", " "),))


def style_phrases(style: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    words = style.replace("-", " ").replace("_", " ")
    return STYLE_PHRASES.get(style, ((f"a {words} person",), (f"in a {words} way",)))


def _definite(subject: str) -> str | None:
    """ "an old man" -> "the old man"; None for a subject without an article ("someone")."""
    for article in ("a ", "an "):
        if subject.startswith(article):
            return "the " + subject[len(article) :]
    return None


def describe(content: str, style: str, max_phrasings: int = DEFAULT_PHRASINGS) -> list[str]:
    """Distinct descriptions of a (content, style) pair, most natural first.

    Phrase ``k`` uses verb phrase ``k mod V`` (shifted by one every full pass, so later
    passes pair verbs with other shapes) and shape ``k mod 3``; each shape cycles its own
    subjects / adverbs. So the first ``V`` phrasings already hold every verb phrase, and
    every prefix mixes the three shapes. The first is always ``{subject[0]} {verb[0]}``.
    """
    verbs = content_phrases(content)
    subjects, adverbs = style_phrases(style)
    nouns = [n for n in map(_definite, subjects) if n] or ["the person"]
    v = len(verbs)
    seen: dict[str, None] = {}
    limit = 3 * v * max(len(subjects), len(adverbs), len(nouns), len(NEUTRAL_SUBJECTS)) * 2
    for k in range(limit):
        if len(seen) >= max_phrasings:
            break
        r, shape = divmod(k, 3)
        verb = verbs[(k + k // v) % v]
        if shape == 0:
            text = f"{subjects[r % len(subjects)]} {verb}"
        elif shape == 1:
            text = f"{NEUTRAL_SUBJECTS[r % len(NEUTRAL_SUBJECTS)]} {verb} {adverbs[r % len(adverbs)]}"
        else:
            text = f"{nouns[(r + 1) % len(nouns)]} {verb}"
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
