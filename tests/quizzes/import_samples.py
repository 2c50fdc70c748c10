"""Question files and banks for the import and export tests, written here the way the tools
that make them write them (Moodle's XML export, GIFT by hand, a spreadsheet's CSV)."""

from __future__ import annotations

import base64
import struct
import zlib
from decimal import Decimal

from quizzes.importing import question_as_dict
from quizzes.models import Choice, Question, QuestionBank, Tag
from quizzes.services import question_upsert
from tests import factories


def png(width: int = 1, height: int = 1) -> bytes:
    """A valid PNG image, grey."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PRONE_PNG = png(2, 2)

GIFT = """\
// A MISS bank written by hand, the way an educator writes GIFT.
$CATEGORY: $course$/top/MISS imports/Positioning

// [id:pos-001] [tag:risk:pressure-injury] [tag:difficulty:hard]
::Prone eyes::[markdown]In the **prone** position, what protects the eyes?{
  =A foam headrest that leaves the eyes free#Right: nothing presses on the eyes.
  ~A rolled towel under the forehead#It can slip onto the eyes.
  ~Tape alone#Tape does not take pressure off.
  ####Check the eyes and face every 30 minutes.
}

// [id:pos-002]
::Fluoroscopy dose::Which lower the staff dose? Select all that apply.{
  ~%50%Distance from the beam
  ~%50%Lead apron and thyroid shield
  ~%-100%Standing by the tube
}

::Level check::A level check with fluoroscopy is done before the incision.{TRUE#Wrong: it is.#Right.}

$CATEGORY: $course$/top/MISS imports/Procedures

// type: ordering
::Tubular access::Put the steps of tubular access in order.{
  =1 -> Guide wire
  =2 -> First dilator
  =3 -> Larger dilators
  =4 -> Tubular retractor
}

::Match the roles::Match each role to its task.{
  =Scrub nurse -> Passes the instruments
  =Circulator -> Counts outside the field
  = -> Operates the microscope
}

::Describe::Describe how you position a patient prone.{}
"""  # noqa: E501

ESSAY = """\
<!-- question: {n}  -->
  <question type="essay">
    <name>
      <text>{title}</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>{title}: explain in a few sentences.</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <defaultgrade>5.0000000</defaultgrade>
    <penalty>0.0000000</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <responseformat>editor</responseformat>
    <responserequired>1</responserequired>
    <responsefieldlines>15</responsefieldlines>
  </question>
"""


def moodle_xml(
    *,
    essays: tuple[str, ...] = ("Describe prone positioning", "Explain a dural tear"),
    image: bytes = PRONE_PNG,
    stem_extra: str = "",
) -> bytes:
    """A bank as Moodle 4 exports it: categories, CDATA, entities, idnumbers, tags, a base64
    image, answers padded with newlines, and essay questions (unsupported)."""
    picture = base64.b64encode(image).decode("ascii")
    essay_xml = "".join(ESSAY.format(n=200 + i, title=t) for i, t in enumerate(essays))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/MISS imports/Positioning</text>
    </category>
    <info format="moodle_auto_format">
      <text></text>
    </info>
    <idnumber></idnumber>
  </question>

<!-- question: 101  -->
  <question type="multichoice">
    <name>
      <text>Prone eyes</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>In the <b>prone</b> position, what protects the eyes?{stem_extra}</p><p><img src="@@PLUGINFILE@@/prone%20eyes.png" alt="A patient prone on a Jackson table"></p>]]></text>
      <file name="prone eyes.png" path="/" encoding="base64">{picture}</file>
    </questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<p>Check the eyes and face every 30 minutes.</p>]]></text>
    </generalfeedback>
    <defaultgrade>2.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber>pos-001</idnumber>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <showstandardinstruction>0</showstandardinstruction>
    <correctfeedback format="html">
      <text>Your answer is correct.</text>
    </correctfeedback>
    <answer fraction="100" format="html">
      <text><![CDATA[<p>A foam headrest that leaves the eyes free</p>]]></text>
      <feedback format="html">
        <text>Right: nothing presses on the eyes.</text>
      </feedback>
    </answer>
    <answer fraction="0" format="html">
      <text>
A rolled towel under the forehead
</text>
      <feedback format="html">
        <text>It can slip onto the eyes.</text>
      </feedback>
    </answer>
    <answer fraction="0" format="html">
      <text>Tape alone</text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
    <tags>
      <tag><text>risk:pressure-injury</text></tag>
      <tag><text>difficulty:hard</text></tag>
    </tags>
  </question>

<!-- question: 102  -->
  <question type="multichoice">
    <name>
      <text>Fluoroscopy dose</text>
    </name>
    <questiontext format="html">
      <text>Which lower the staff dose below &lt;5 mSv&gt;? Select all that apply &amp; nothing else.</text>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber>pos-002</idnumber>
    <single>false</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <answer fraction="50" format="html">
      <text>Distance from the beam</text>
      <feedback format="html"><text>Yes.</text></feedback>
    </answer>
    <answer fraction="50" format="html">
      <text>Lead apron and thyroid shield</text>
      <feedback format="html"><text></text></feedback>
    </answer>
    <answer fraction="-100" format="html">
      <text>Standing by the tube</text>
      <feedback format="html"><text>The dose is highest there.</text></feedback>
    </answer>
  </question>

<!-- question: 103  -->
  <question type="truefalse">
    <name>
      <text>Level check</text>
    </name>
    <questiontext format="moodle_auto_format">
      <text>A level check with fluoroscopy is done before the incision.</text>
    </questiontext>
    <generalfeedback format="moodle_auto_format">
      <text></text>
    </generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <penalty>1.0000000</penalty>
    <hidden>0</hidden>
    <idnumber>pos-003</idnumber>
    <answer fraction="100" format="moodle_auto_format">
      <text>true</text>
      <feedback format="moodle_auto_format"><text>Right.</text></feedback>
    </answer>
    <answer fraction="0" format="moodle_auto_format">
      <text>false</text>
      <feedback format="moodle_auto_format"><text>Wrong: it is.</text></feedback>
    </answer>
  </question>

<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/MISS imports/Procedures</text>
    </category>
    <info format="moodle_auto_format">
      <text></text>
    </info>
    <idnumber></idnumber>
  </question>

<!-- question: 104  -->
  <question type="matching">
    <name>
      <text>Match the roles</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>Match each role to its task.</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <defaultgrade>3.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber>proc-001</idnumber>
    <shuffleanswers>true</shuffleanswers>
    <subquestion format="html">
      <text><![CDATA[<p>Scrub nurse</p>]]></text>
      <answer>
        <text>Passes the instruments</text>
      </answer>
    </subquestion>
    <subquestion format="html">
      <text><![CDATA[<p>Circulator</p>]]></text>
      <answer>
        <text>Counts outside the field</text>
      </answer>
    </subquestion>
    <subquestion format="html">
      <text></text>
      <answer>
        <text>Operates the microscope</text>
      </answer>
    </subquestion>
  </question>

<!-- question: 105  -->
  <question type="ordering">
    <name>
      <text>Tubular access</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>Put the steps of tubular access in order.</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber>proc-002</idnumber>
    <layouttype>VERTICAL</layouttype>
    <selecttype>ALL</selecttype>
    <selectcount>0</selectcount>
    <gradingtype>ABSOLUTE_POSITION</gradingtype>
    <answer fraction="1.0000000" format="moodle_auto_format">
      <text>Guide wire</text>
    </answer>
    <answer fraction="2.0000000" format="moodle_auto_format">
      <text>First dilator</text>
    </answer>
    <answer fraction="3.0000000" format="moodle_auto_format">
      <text>Larger dilators</text>
    </answer>
    <answer fraction="4.0000000" format="moodle_auto_format">
      <text>Tubular retractor</text>
    </answer>
  </question>

{essay_xml}</quiz>
""".encode()  # noqa: E501, S608


CSV = (
    "id,type,title,stem,points,difficulty,critical,tags,rationale,correct,"
    "choice_1,choice_2,choice_3,choice_4,feedback_1,feedback_2,weights\n"
    "csv-001,single,Count,Who keeps the count?,1,easy,yes,role:circulator;Counts,"
    "The circulator records it.,2,Scrub nurse,Circulator,Surgeon,,,Right.,\n"
    "csv-002,multiple,,Which are MISS benefits? Select all that apply.,2,,,,"
    ",1;2,Smaller incisions,Less muscle damage,No risks at all,,,,\n"
    "csv-003,true_false,,Tubes split the muscle rather than cutting it.,,,,,,true,"
    "True,False,,,,,\n"
    "csv-004,ordering,,Order the dilation.,,,,,,,Guide wire,Dilator 1,Dilator 2,Retractor,,,\n"
    "csv-005,matching,,Match the imaging.,,,,,,,"
    "C-arm => Fluoroscopy,O-arm => 3D imaging,(none) => Ultrasound,,,,\n"
)


def counts() -> dict[str, int]:
    """How many rows the import could write: compare before and after."""
    return {
        "banks": QuestionBank.objects.count(),
        "questions": Question.objects.count(),
        "choices": Choice.objects.count(),
        "tags": Tag.objects.count(),
    }


def every_type_bank(name: str = "Every type") -> QuestionBank:
    """A bank with every question type, through the service the app writes with."""
    bank = factories.BankFactory(name=name)
    questions = [
        {
            "key": "t-single",
            "type": "single",
            "title": "Which retractor",
            "stem": "Which instrument docks on the *lamina*?\n\nPick one.",
            "points": 2.5,
            "difficulty": "hard",
            "critical": True,
            "tags": {"objective": ["tubular-dilation"], "risk": ["wrong-level"]},
            "rationale": "The tubular retractor docks on the lamina.",
            "choices": [
                {"text": "Tubular retractor", "correct": True, "feedback": "Right."},
                {"text": "Scalpel", "feedback": "It cuts; it does not dock."},
                {"text": "Kerrison rongeur"},
            ],
        },
        {
            "key": "t-single-weighted",
            "type": "single",
            "stem": "Which is best?",
            "choices": [
                {"text": "Best", "correct": True, "weight": 100},
                {"text": "Nearly", "weight": 50, "feedback": "Half marks."},
                {"text": "Wrong", "weight": 0},
            ],
        },
        {
            "key": "t-multiple",
            "type": "multiple",
            "stem": "Which lower the dose? Select all that apply.",
            "difficulty": "easy",
            "tags": {"topic": ["radiation"]},
            "choices": [
                {"text": "Lead apron", "correct": True, "feedback": "Shielding."},
                {"text": "Distance", "correct": True},
                {"text": "Standing by the tube"},
            ],
        },
        {
            "key": "t-multiple-weighted",
            "type": "multiple",
            "title": "Continents",
            "stem": "Select the three continents.",
            "choices": [
                {"text": "Africa", "correct": True, "weight": 33.33333},
                {"text": "Asia", "correct": True, "weight": 33.33333},
                {"text": "China", "weight": -100, "feedback": "A country."},
                {"text": "Antarctica", "correct": True, "weight": 33.33333},
            ],
        },
        {
            "key": "t-true-false",
            "type": "true_false",
            "stem": "MISS uses smaller incisions.",
            "rationale": "Typically under an inch.",
            "choices": [
                {"text": "True", "correct": True, "feedback": "Right."},
                {"text": "False", "feedback": "They are smaller."},
            ],
        },
        {
            "key": "t-ordering",
            "type": "ordering",
            "stem": "Put the steps in order.",
            "points": 3,
            "tags": {"procedure": ["microdiscectomy"]},
            "choices": [
                {"text": "Confirm the level"},
                {"text": "Make the incision"},
                {"text": "Insert the dilators"},
                {"text": "Dock the retractor"},
            ],
        },
        {
            "key": "t-matching",
            "type": "matching",
            "title": "Radiation safety",
            "stem": "Match each principle to what you do.",
            "pairs": [
                {"prompt": "Time", "answer": "Keep fluoroscopy short"},
                {"prompt": "Distance", "answer": "Step back from the beam"},
                {"prompt": "Shielding", "answer": "Wear lead"},
            ],
            "distractors": ["Stand at the tube side"],
        },
    ]
    for data in questions:
        question_upsert(bank=bank, data=data)
    return bank


def bank_contents(bank: QuestionBank) -> dict[str, dict]:
    """What the engine models of each question in the bank, by key."""
    found = bank.questions.prefetch_related("choices", "tags").order_by("key")
    return {q.key: question_as_dict(q) for q in found}


def with_default_weights(contents: dict[str, dict]) -> dict[str, dict]:
    """GIFT and Moodle XML say "multiple response" with weights: an unweighted one comes back
    with Moodle's usual weights (quizzes.formats.common.default_weights)."""
    out = {}
    for key, q in contents.items():
        if q["type"] == "multiple" and all(c["weight"] is None for c in q["choices"]):
            right = sum(1 for c in q["choices"] if c["correct"]) or 1
            q = {
                **q,
                "choices": [
                    {
                        **c,
                        "weight": float(round(Decimal(100) / right, 5)) if c["correct"] else -100.0,
                    }
                    for c in q["choices"]
                ],
            }
        out[key] = q
    return out
