"""Provides the task registry: each task's data, network, loss, metrics and live samples."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from .catalog import task_info
from .data import DataError
from .data import names as names_data
from .data import recall as recall_data
from .data.text import CharCorpus, Vocab, contiguous_windows, read_text
from .data.waves import make_waves
from .networks import CellClassifier, CharLM, SequenceClassifier, SequenceRegressor, detach_state, load_learner_class


VAL_CHARS = 131_072
"""Held-out characters a char-lm evaluation reads at most: all of a 1 MB corpus's held-out tenth."""


INTERIM_VAL_CHARS = 16_384
"""During training an evaluation reads only this much (~0.15 s for a 1x256 GRU on 2 cores)."""
BURN_IN = 64
"""Characters each evaluation column reads before it is scored (see CharLMTask.evaluate)."""


def default_corpus() -> Path:
    """The Dracula lesson's corpus: lessons/ ships beside models/ in a checkout and in the wheel."""
    return Path(__file__).resolve().parent.parent / "lessons" / "dracula" / "corpus.txt"


class Task:
    """One learning problem: the trainer calls `train_batch`, `evaluate` and `sample`.

    Subclasses build their data and network in `__init__` and raise DataError for data that
    cannot be used, before any training starts.
    """

    name: str
    model: nn.Module

    def __init__(self, config: dict[str, Any], device: torch.device, generator: torch.Generator):
        self.config = config
        self.device = device
        self.generator = generator
        self.item = task_info(self.name).item

    def train_batch(self) -> tuple[torch.Tensor, int]:
        """Forward one batch; return the mean loss (with its graph) and how many items it held."""
        raise NotImplementedError

    def evaluate(self, final: bool = True) -> tuple[dict[str, float], dict[str, Any]]:
        """Held-out metrics (always `val_loss`), and details such as a confusion matrix.

        `final=False` marks an evaluation during training, which may read a fixed part of the
        held-out data to stay cheap; the run's last evaluation reads all of it.
        """
        raise NotImplementedError

    def sample(self) -> dict[str, Any]:
        """What the learner sees live: {"text": ...} or {"rows": [...]}; JSON-ready."""
        raise NotImplementedError

    def data_signature(self) -> dict[str, Any]:
        """What a checkpoint must agree on to be resumed with this data (alphabet, classes)."""
        return {}

    def reset_state(self) -> None:
        """Forget any hidden state carried between batches (after loading a checkpoint)."""


class CharLMTask(Task):
    name = "char-lm"

    def __init__(self, config, device, generator, corpus: str | Path | None = None,
                 vocab: str | None = None, learner_cell: dict[str, str] | None = None):
        super().__init__(config, device, generator)
        self.corpus_path = Path(corpus) if corpus else default_corpus()
        text = read_text(self.corpus_path)
        self.corpus = CharCorpus(text, vocab=Vocab(vocab) if vocab else None)
        if len(self.corpus.train) < config["batch"] * (config["seq"] + 1):
            raise DataError(
                f"{self.corpus_path}: too short for batch {config['batch']} x seq {config['seq']}"
                f" ({len(self.corpus.train)} training characters); lower batch or seq"
            )
        self.vocab = self.corpus.vocab
        cell, cell_class = config["cell"], None
        if learner_cell:  # a code step's LSTM cell, written by the learner, in the engine's loop
            cell, cell_class = "lstm-cell", load_learner_class(learner_cell["file"], learner_cell["entry"])
        self.model = CharLM(len(self.vocab), cell, config["hidden"], config["layers"],
                            config["embed"], config["dropout"], config["keep_bias"], cell_class=cell_class).to(device)
        self.train_data = self.corpus.train.to(device)
        self.val_data = self.corpus.val.to(device)
        self.windows = contiguous_windows(self.train_data, config["batch"], config["seq"], generator)
        self.state = None
        self.fresh_text: str | None = None

    def train_batch(self):
        x, y, starts_epoch = next(self.windows)
        if starts_epoch:
            self.state = None
        logits, state = self.model(x, self.state)
        self.state = detach_state(state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        return loss, x.numel()

    def reset_state(self):
        self.state = None

    def evaluate(self, final=True):
        # Reads the held-out tail in many parallel columns (fast), carrying the state within each
        # like training does. Each column first reads the BURN_IN characters before its segment
        # unscored, so no column is scored from a blank memory and the number is the model's
        # real loss per character on unseen text. The same characters every time, so
        # evaluations compare.
        data = self.val_data[: VAL_CHARS if final else INTERIM_VAL_CHARS]
        scored = len(data) - BURN_IN - 1
        columns = max(1, min(128, scored // 256))
        length = scored // columns
        starts = BURN_IN + torch.arange(columns, device=data.device) * length
        index = starts.unsqueeze(1) + torch.arange(-BURN_IN, length + 1, device=data.device)
        s = data[index]
        total, count, state = 0.0, 0, None
        for start in range(0, s.shape[1] - 1, 256):
            end = min(start + 256, s.shape[1] - 1)
            logits, state = self.model(s[:, start:end], state)
            losses = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                     s[:, start + 1 : end + 1].reshape(-1), reduction="none")
            keep = max(0, BURN_IN - start)  # positions still inside the unscored burn-in
            total += float(losses.view(columns, -1)[:, keep:].sum())
            count += columns * max(0, end - start - keep)
        c = self.config
        # The generated text is scored now and shown by the sample that follows the evaluation.
        self.fresh_text = self.generate(c["prompt"], c["sample_length"], c["temperature"], c["top_k"])
        return {"val_loss": total / count, "word_rate": self.corpus.word_rate(self.fresh_text)}, {}

    def sample(self):
        c = self.config
        text, self.fresh_text = self.fresh_text, None
        if text is None:
            text = self.generate(c["prompt"], c["sample_length"], c["temperature"], c["top_k"])
        return {"prompt": c["prompt"], "temperature": c["temperature"], "text": text}

    def generate(self, prompt: str, length: int, temperature: float = 1.0, top_k: int = 0) -> str:
        """Continue `prompt` by `length` characters, sampling each from the model's scores.

        Temperature divides the scores before the softmax (below 1 sharpens, above 1 flattens);
        top_k keeps only the k likeliest characters. The model first reads a held-out paragraph
        ending (not shown): it was trained reading text with its memory carried along, so a
        blank memory is a state it has hardly seen, and from there it babbles.
        """
        ids = torch.cat((self.warm_up, self.vocab.encode(prompt).to(self.device)))
        logits, state = self.model(ids.unsqueeze(0), None)
        out = []
        last = logits[0, -1]
        for _ in range(length):
            scores = last / temperature
            if 0 < top_k < scores.numel():
                cutoff = torch.topk(scores, top_k).values[-1]
                scores = scores.masked_fill(scores < cutoff, float("-inf"))
            nxt = torch.multinomial(F.softmax(scores, dim=-1), 1, generator=self._sample_gen())
            out.append(int(nxt))
            logits, state = self.model(nxt.view(1, 1), state)
            last = logits[0, -1]
        return self.vocab.decode(out)

    @property
    def warm_up(self) -> torch.Tensor:
        """Up to 200 held-out characters that end where a paragraph (or at least a line) ends."""
        if not hasattr(self, "_warm_up"):
            val = self.val_data[:2000]
            newline = self.vocab.index.get("\n")
            cut = len(val)
            if newline is not None:
                ends = (val == newline).nonzero().flatten().tolist()
                if ends:
                    cut = ends[-1] + 1
            self._warm_up = val[max(0, cut - 200) : cut]
        return self._warm_up

    def _sample_gen(self):
        # Sampling draws from its own generator so that looking at samples (or changing the
        # temperature) never changes which batches training sees.
        if not hasattr(self, "_sampling"):
            self._sampling = torch.Generator(device=self.device).manual_seed(self.config["seed"] + 1)
        return self._sampling

    def data_signature(self):
        return {"vocab": self.vocab.chars}


class ClassifyTask(Task):
    name = "classify"

    def __init__(self, config, device, generator, names: str | Path | None = None,
                 classes: list[str] | None = None, learner_cell: dict[str, str] | None = None):
        super().__init__(config, device, generator)
        self.names_dir = Path(names) if names else names_data.builtin_names_dir()
        self.data = names_data.NamesData(names_data.load_names_dir(self.names_dir), seed=config["seed"])
        if classes is not None and classes != self.data.classes:
            raise DataError(f"{self.names_dir}: its classes differ from the checkpoint's ({', '.join(classes)})")
        self.classes = self.data.classes
        if learner_cell:  # a code step's cell, written by the learner
            cell_class = load_learner_class(learner_cell["file"], learner_cell["entry"])
            self.model = CellClassifier(cell_class, names_data.VOCAB, len(self.classes), config["hidden"]).to(device)
        else:
            self.model = SequenceClassifier(names_data.VOCAB, len(self.classes), config["cell"],
                                            config["hidden"], config["layers"], config["embed"],
                                            config["dropout"], config["keep_bias"]).to(device)
        counts = self.data.class_counts().float()
        # Balanced: each class's examples weigh 1/frequency, so a rare origin counts as much as
        # a common one (raises balanced accuracy at some cost in plain accuracy).
        self.weights = (counts.sum() / (len(counts) * counts.clamp(min=1))).to(device) if config["balance"] else None
        self.batches = self._batches()
        g = torch.Generator().manual_seed(config["seed"] + 2)
        self.showcase = torch.randperm(len(self.data.val), generator=g)[:8].tolist()

    def _batches(self):
        """Endless shuffled batches, grouped by similar length so little time goes on padding."""
        d, size = self.data, self.config["batch"]
        n = len(d.train)
        while True:
            order = torch.randperm(n, generator=self.generator)
            chunk = size * 32
            for c in range(0, n, chunk):
                idx = order[c : c + chunk]
                idx = idx[torch.argsort(d.train_lengths[idx], stable=True)]
                groups = list(idx.split(size))
                for b in torch.randperm(len(groups), generator=self.generator).tolist():
                    yield groups[b]

    def _forward(self, tokens, lengths):
        longest = int(lengths.max())
        return self.model(tokens[:, :longest].to(self.device), lengths)

    def train_batch(self):
        idx = next(self.batches)
        d = self.data
        logits = self._forward(d.train_tokens[idx], d.train_lengths[idx])
        loss = F.cross_entropy(logits, d.train_labels[idx].to(self.device), weight=self.weights)
        return loss, len(idx)

    def evaluate(self, final=True):
        d = self.data
        logits = torch.cat([self._forward(d.val_tokens[i : i + 1024], d.val_lengths[i : i + 1024])
                            for i in range(0, len(d.val), 1024)])
        labels = d.val_labels.to(self.device)
        loss = float(F.cross_entropy(logits, labels))
        guess = logits.argmax(1)
        k = len(self.classes)
        confusion = torch.bincount(labels * k + guess, minlength=k * k).view(k, k).cpu()
        per_class = confusion.diag().float() / confusion.sum(1).clamp(min=1).float()
        present = confusion.sum(1) > 0
        metrics = {
            "val_loss": loss,
            "accuracy": float((guess == labels).float().mean()),
            "balanced_accuracy": float(per_class[present].mean()),
        }
        return metrics, {"classes": self.classes, "confusion": confusion.tolist()}

    def predict(self, names: list[str], top: int = 3) -> list[list[tuple[str, float]]]:
        """The `top` likeliest origins with probabilities, for any names a learner types."""
        folded = [names_data.ascii_fold(n) or "?" for n in names]
        tokens, lengths = names_data.encode(folded)
        probs = F.softmax(self._forward(tokens, lengths), dim=1)
        values, indices = probs.topk(min(top, len(self.classes)), dim=1)
        return [[(self.classes[i], float(p)) for p, i in zip(vs, ix)]
                for vs, ix in zip(values.tolist(), indices.tolist())]

    def sample(self):
        names = [self.data.val[i][0] for i in self.showcase]
        truths = [self.classes[self.data.val[i][1]] for i in self.showcase]
        rows = []
        for name, truth, guesses in zip(names, truths, self.predict(names)):
            rows.append({"name": name, "true": truth, "correct": guesses[0][0] == truth,
                         "guesses": [[c, round(p, 4)] for c, p in guesses]})
        return {"rows": rows}

    def data_signature(self):
        return {"classes": self.classes}


class RegressTask(Task):
    name = "regress"
    channels = 3

    def __init__(self, config, device, generator):
        super().__init__(config, device, generator)
        # The waves are the story's fixed recordings: the same for every seed, so runs compare.
        waves = make_waves(channels=self.channels, seed=0).to(device)
        cut = int(len(waves) * 0.8)
        self.train_waves, self.val_waves = waves[:cut], waves[cut:]
        self.model = SequenceRegressor(self.channels, config["cell"], config["hidden"],
                                       config["layers"], config["dropout"], config["keep_bias"]).to(device)
        span = config["seq"] + config["horizon"]
        if len(self.val_waves) < span:
            raise DataError(f"seq + horizon = {span} is longer than the held-out waves ({len(self.val_waves)})")
        starts = torch.arange(0, len(self.val_waves) - span + 1, span)
        self.val_windows = torch.stack([self.val_waves[s : s + span] for s in starts.tolist()])

    def train_batch(self):
        seq, batch = self.config["seq"], self.config["batch"]
        starts = torch.randint(0, len(self.train_waves) - seq - 1, (batch,), generator=self.generator)
        offsets = starts.to(self.device).unsqueeze(1) + torch.arange(seq + 1, device=self.device)
        windows = self.train_waves[offsets]
        pred, _ = self.model(windows[:, :-1])
        return F.mse_loss(pred, windows[:, 1:]), batch * seq

    def forecast(self, windows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One-step predictions over the first `seq` points, then `horizon` points fed back in."""
        seq, horizon = self.config["seq"], self.config["horizon"]
        pred, state = self.model(windows[:, :seq])
        point = pred[:, -1:]
        ahead = [point]
        for _ in range(horizon - 1):
            point, state = self.model(point, state)
            ahead.append(point)
        return pred, torch.cat(ahead, dim=1)

    def evaluate(self, final=True):
        seq = self.config["seq"]
        w = self.val_windows
        one_step, ahead = self.forecast(w)
        mse = float(F.mse_loss(one_step[:, :-1], w[:, 1:seq]))
        forecast_mse = float(F.mse_loss(ahead, w[:, seq:]))
        return {"val_loss": mse, "mse": mse, "forecast_mse": forecast_mse}, {}

    def sample(self):
        seq = self.config["seq"]
        w = self.val_windows[:1]
        one_step, ahead = self.forecast(w)
        rows = []
        for ch in range(self.channels):
            rows.append({"channel": ch, "true": _rounded(w[0, :, ch]),
                         "one_step": _rounded(one_step[0, :, ch]), "forecast": _rounded(ahead[0, :, ch]),
                         "forecast_start": seq})
        return {"rows": rows}


class RecallTask(Task):
    name = "recall"

    def __init__(self, config, device, generator):
        super().__init__(config, device, generator)
        self.model = SequenceClassifier(recall_data.VOCAB, recall_data.SYMBOLS, config["cell"],
                                        config["hidden"], config["layers"], config["embed"],
                                        config["dropout"], config["keep_bias"]).to(device)
        held_out = torch.Generator().manual_seed(10_000 + config["seed"])
        tokens, symbols = recall_data.make_batch(1024, config["gap"], held_out)
        self.val_tokens, self.val_symbols = tokens.to(device), symbols.to(device)

    def train_batch(self):
        tokens, symbols = recall_data.make_batch(self.config["batch"], self.config["gap"], self.generator)
        logits = self.model(tokens.to(self.device))
        return F.cross_entropy(logits, symbols.to(self.device)), len(symbols)

    def evaluate(self, final=True):
        logits = self.model(self.val_tokens)
        return {
            "val_loss": float(F.cross_entropy(logits, self.val_symbols)),
            "accuracy": float((logits.argmax(1) == self.val_symbols).float().mean()),
        }, {"chance": 1 / recall_data.SYMBOLS}

    def sample(self):
        probs = F.softmax(self.model(self.val_tokens[:6]), dim=1)
        conf, guess = probs.max(1)
        return {"rows": [{"symbol": int(s), "guess": int(g), "confidence": round(float(c), 4),
                          "correct": int(s) == int(g), "gap": self.config["gap"]}
                         for s, g, c in zip(self.val_symbols[:6], guess, conf)]}


def _rounded(t: torch.Tensor) -> list[float]:
    return [round(v, 4) if math.isfinite(v) else None for v in t.tolist()]


TASK_CLASSES: dict[str, type[Task]] = {
    cls.name: cls for cls in (CharLMTask, ClassifyTask, RegressTask, RecallTask)
}


def build_task(name: str, config: dict[str, Any], device: torch.device, generator: torch.Generator,
               corpus: str | Path | None = None, names: str | Path | None = None,
               signature: dict[str, Any] | None = None, learner_cell: dict[str, str] | None = None) -> Task:
    """Build a task's data and network; `signature` pins the alphabet or classes of a checkpoint."""
    task_info(name)  # raises the friendly unknown-task error
    signature = signature or {}
    if name == "char-lm":
        return CharLMTask(config, device, generator, corpus=corpus, vocab=signature.get("vocab"),
                          learner_cell=learner_cell)
    if name == "classify":
        return ClassifyTask(config, device, generator, names=names, classes=signature.get("classes"),
                            learner_cell=learner_cell)
    if learner_cell:
        raise DataError(f"a learner's cell trains on the classify or char-lm task, not {name}")
    return TASK_CLASSES[name](config, device, generator)
