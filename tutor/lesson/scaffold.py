"""Provides `rnn-tutor new`: a commented, valid lesson with one step of every kind."""

from __future__ import annotations

import re
from pathlib import Path

from .format import ID_PATTERN
from .schema import SCHEMA_FILE

TEMPLATE = '''\
# yaml-language-server: $schema={schema}
# An rnn-tutor lesson. Check it with `rnn-tutor validate {id}`; the authoring guide
# (docs/authoring.md) lists every key. Ids are stable: progress is stored under them.
schema_version: 1
id: {id}
title: "{title}"
story: Your story          # the tale the lesson is built on, in a few words
summary: >-
  One or two sentences for the lesson picker: who is in the story and what the learner builds.
estimated_minutes: 11     # `validate` warns when this is 25% off: words/200 + 1.5 per quiz + 8 per code step + budgets
requires: []               # ids of lessons to take first
teaches: [hidden state]
steps:
  - kind: story            # Markdown prose
    id: opening
    title: The opening
    text: |
      Write the scene that makes the learner want to know what happens next.

  - kind: explain          # Markdown with code blocks; an optional text diagram
    id: the-idea
    title: The idea
    text: |
      A recurrent network reads a sequence one item at a time and carries a hidden state:

      ```python
      out, hidden = rnn(x, hidden)
      ```

  - kind: quiz             # choices (one or several correct) or a typed answer
    id: first-quiz
    title: A first question
    question: An nn.RNN with hidden_size 20 reads a batch of 3 sequences. What shape is the hidden state?
    answer: {{type: shape, value: "(1, 3, 20)"}}   # or {{type: number, value: 0.5, tolerance: 0.01}}
    hints:                 # revealed one at a time
      - The first dimension counts layers.
    explanation: (num_layers, batch, hidden_size), whether or not batch_first is set.

  - kind: code             # the learner writes code; checks run in a child process
    id: first-code
    title: Write a step
    text: Write the function in the starter file.
    starter: code/starter.py
    solution: code/solution.py
    entry: step
    checks:
      - {{kind: import, name: step}}
      - {{kind: shape, inputs: ["(1, 4)", "(1, 4)"], outputs: ["(1, 4)"]}}

  - kind: train            # a real training run, live
    id: first-run
    title: Remember across the gap
    task: recall           # char-lm, classify, regress or recall
    settings: {{cell: lstm, gap: 20}}
    budget: {{max_steps: 2000, max_seconds: 60}}   # both are enforced
    tunable:               # what the learner may change
      cell: {{choices: [rnn, lstm, gru]}}
      lr: {{min: 0.0001, max: 0.03, log: true}}
    goal: {{metric: accuracy, threshold: 0.9}}
    predict:               # optional: the learner commits before Start; the verdict comes when the run ends
      question: With the cell you chose, will it reach 90% within the budget?
      choices:
        - {{text: "Yes", held: {{goal: reached}}}}
        - {{text: "No", held: {{goal: missed}}}}
      why: The plain rnn's memory fades over a gap of 20 steps; the gated cells keep it.
    hide: [device]         # presenter mode: parts of the panel the class does not need to see
'''

STARTER = '''"""Write `step`: one step of a recurrent cell that adds the input to the memory."""


def step(x, hidden):
    raise NotImplementedError("return the new hidden state")
'''

SOLUTION = '''"""Solution of the starter: one step of a recurrent cell that adds the input to the memory."""


def step(x, hidden):
    return x + hidden
'''


def scaffold(lesson_id: str, parent: Path) -> Path:
    """Write parent/ID/lesson.yaml and its code files; refuse bad ids and existing folders."""
    if not re.fullmatch(ID_PATTERN, lesson_id):
        raise ValueError(f"{lesson_id!r} is not a lesson id: use lower-case letters, digits and hyphens")
    folder = parent / lesson_id
    if folder.exists():
        raise ValueError(f"{folder} already exists; choose another id or remove it")
    (folder / "code").mkdir(parents=True)
    title = lesson_id.replace("-", " ").capitalize()
    (folder / "lesson.yaml").write_text(TEMPLATE.format(schema=SCHEMA_FILE, id=lesson_id, title=title))
    (folder / "code" / "starter.py").write_text(STARTER)
    (folder / "code" / "solution.py").write_text(SOLUTION)
    return folder / "lesson.yaml"
