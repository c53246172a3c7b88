"""The memory lab's shared training runs, their time left, and the numbers that explain its verdicts.

Training runs (``SharedRun``) are shared by everyone who asks for the same settings and train in a
background thread: a student who opens another tab, or closes the laptop, does not stop a run that
others wait for, and a class of 30 pressing Train with the same settings trains once.

    run = SharedRun(TrainConfig(cell="lstm"))       # one per settings, kept by the caller (the page caches them)
    start([run], who="session-1")                   # claims it and trains it in a background thread
    status([run])                                   # steps done / planned, seconds left, from the measured speed
    run.result                                      # the TrainResult once done

``time_left`` estimates from the work still to do: steps left times the seconds per step measured so far
(a cell not started yet is scaled from the one measured by ``STEP_COST``). Runs stop early once held-out
accuracy reaches the target, so the estimate is for the planned steps: training can finish sooner.

Sessions end without saying so (a closed laptop, a reloaded page): give ``watch`` and ``start`` an ``alive``
test (the page passes Streamlit's ``is_active_session``) and a session that is gone stops counting as a
watcher: at once in the progress bar's count, and after ``GRACE`` seconds for cancelling a run nobody waits
for any more (a teacher who reloads the page does not lose the run).

The verdicts: a typed sentence's shape (``sentence_shape``: where its context word is and how many filler
words follow it), what a trained model does on held-out sentences at any gap (``held_out_scores``), and how
much gradient reaches the first word before training (``start_gradient_log10``).

NumPy and the standard library only, like the rest of rnn_core.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from . import tasks
from .spectra import jacobian_log_norms
from .train import TrainConfig, init_model, train

# Seconds per training step of each cell relative to the LSTM's at the same gap, hidden size and batch
# (measured here with the lab's defaults, gap 60 and H = 32: RNN 1.2-1.6 ms, GRU 4.0 ms, LSTM 4.6-5.7 ms;
# at H = 64: 2.6-4.3, 8.7-10.7 and 12.4-14.7 ms). Only used before a cell has measured its own speed.
STEP_COST = {"rnn": 0.3, "gru": 0.8, "lstm": 1.0}

IDLE, QUEUED, RUNNING, DONE, FAILED = "idle", "queued", "running", "done", "failed"
GRACE = 15.0  # seconds a session may be gone (a reload, a dropped connection) before it stops watching its runs
_LOCK = threading.RLock()  # guards every SharedRun's state, watchers and flags


class Cancelled(Exception):
    """Raised inside a run's training when nobody watches it any more."""


class SharedRun:
    """One training run (one TrainConfig), shared by every session that asks for these settings.

    state: idle (not trained), queued (a thread will train it next), running, done (``result`` set) or
    failed (``error`` set). ``progress`` is the trainer's latest report, ``started`` and ``updated`` the
    monotonic times of the start and of that report. ``watchers`` are the sessions waiting for it: when the
    last one leaves, a queued or running run is cancelled (its thread stops at the next report). ``alive``
    (optional) tells whether a session still exists: one that does not stops counting (``waiting``) at once
    and is dropped from ``watchers`` once it has been gone for ``GRACE`` seconds (``gone`` holds since when).
    """

    def __init__(self, config: TrainConfig):
        self.config = config
        self.state = IDLE
        self.result = None
        self.error = None
        self.progress = None
        self.started = None
        self.updated = None
        self.watchers: set[str] = set()
        self.cancelled = False
        self.alive = None
        self.gone: dict[str, float] = {}

    def __repr__(self):
        return f"SharedRun({self.config.cell}, gap {self.config.gap}, {self.state})"

    @property
    def done(self) -> bool:
        return self.state == DONE

    @property
    def steps_done(self) -> int:
        return self.config.steps if self.done else (self.progress.step if self.progress else 0)

    def seconds_per_step(self) -> float | None:
        """Measured from the start to the latest report (None before the first report)."""
        if self.progress is None or self.started is None or self.progress.step == 0:
            return None
        return (self.updated - self.started) / self.progress.step

    def _report(self, progress) -> None:
        with _LOCK:
            self.progress = progress
            self.updated = time.monotonic()
            _prune(self)
            if self.cancelled:
                raise Cancelled


def _prune(run: SharedRun, now: float | None = None) -> None:
    """Note the watchers whose session has ended, drop those gone for GRACE seconds, and cancel a queued or
    running run that nobody watches then."""
    if run.alive is None or not run.watchers:
        return
    now = time.monotonic() if now is None else now
    for who in list(run.watchers):
        if run.alive(who):
            run.gone.pop(who, None)
        elif now - run.gone.setdefault(who, now) >= GRACE:
            run.watchers.discard(who)
            del run.gone[who]
    if not run.watchers and run.state in (QUEUED, RUNNING):
        run.cancelled = True


def prune(runs, now: float | None = None) -> None:
    """Forget the watchers of ``runs`` whose session has been gone for GRACE seconds (see ``watch``'s ``alive``)."""
    with _LOCK:
        for run in runs:
            _prune(run, now)


def waiting(run: SharedRun, now: float | None = None) -> int:
    """How many sessions that still exist wait for ``run``."""
    with _LOCK:
        _prune(run, now)
        return len(run.watchers - set(run.gone))


def watch(runs, who: str, alive=None) -> None:
    """``who`` waits for these runs: none of them is cancelled while someone watches it.

    alive (optional): session id -> whether that session still exists; kept by each run, which then drops
    the watchers that are gone (when counted, and at every report of its training).
    """
    with _LOCK:
        for run in runs:
            if alive is not None:
                run.alive = alive
            _prune(run)
            run.watchers.add(who)
            run.gone.pop(who, None)
            run.cancelled = False


def unwatch(runs, who: str) -> None:
    """``who`` stops waiting; a queued or running run that nobody watches any more is cancelled."""
    with _LOCK:
        for run in runs:
            run.watchers.discard(who)
            run.gone.pop(who, None)
            if not run.watchers and run.state in (QUEUED, RUNNING):
                run.cancelled = True


def start(runs, who: str, trainer=train, alive=None) -> list[SharedRun]:
    """Train the idle runs among ``runs`` one after another in a background thread; ``who`` watches them all.

    Runs already queued, running or done are left to their thread (their watchers share them). Returns the
    runs this call claimed. ``trainer`` is ``train`` (a test may pass a slower or failing one); ``alive`` as
    in ``watch``.
    """
    with _LOCK:
        watch(runs, who, alive)
        claimed = [run for run in runs if run.state in (IDLE, FAILED)]
        for run in claimed:
            run.state, run.error, run.progress = QUEUED, None, None
    if claimed:
        threading.Thread(target=_train_in_turn, args=(claimed, trainer), daemon=True,
                         name="memory-lab-training").start()
    return claimed


def _train_in_turn(runs, trainer) -> None:
    for run in runs:
        with _LOCK:
            if run.state != QUEUED:
                continue
            if run.cancelled:
                run.state, run.cancelled = IDLE, False
                continue
            run.state, run.started, run.updated = RUNNING, time.monotonic(), time.monotonic()
        try:
            result = trainer(run.config, callback=run._report)
        except Cancelled:
            with _LOCK:
                run.state, run.progress, run.cancelled = IDLE, None, False
        except Exception as error:  # noqa: BLE001  shown to the watchers; the next Train tries again
            with _LOCK:
                run.state, run.error = FAILED, f"{type(error).__name__}: {error}"
        else:
            with _LOCK:
                run.result, run.state = result, DONE


def time_left(runs, now: float | None = None) -> float | None:
    """Seconds until every run is trained, if they train one after another: for each run, the steps left times
    its seconds per step. A run that has not reported yet takes the speed measured on another run, scaled by
    ``STEP_COST``; None while no run has measured its speed. Planned steps: an early stop finishes sooner."""
    now = time.monotonic() if now is None else now
    pending = [run for run in runs if not run.done]
    if not pending:
        return 0.0
    rates = {id(run): run.seconds_per_step() for run in runs}
    scale = [rate / STEP_COST[run.config.cell] for run in runs if (rate := rates[id(run)]) is not None]
    if not scale:
        return None
    per_cost = sum(scale) / len(scale)
    seconds = 0.0
    for run in pending:
        rate = rates[id(run)]
        left = run.config.steps - run.steps_done
        if rate is None:
            seconds += left * per_cost * STEP_COST[run.config.cell]
        else:  # the time since its latest report is already spent on the steps after it
            seconds += max(left * rate - (now - run.updated), 0.0)
    return seconds


@dataclass(frozen=True)
class Status:
    """Where a set of runs stands, for a progress bar."""

    steps_done: int
    steps_planned: int
    seconds_left: float | None
    current: SharedRun | None     # the run training now (the first running one), if any
    done: bool
    failed: tuple[str, ...] = ()  # errors of failed runs

    @property
    def fraction(self) -> float:
        return min(self.steps_done / self.steps_planned, 1.0) if self.steps_planned else 1.0


def status(runs, now: float | None = None) -> Status:
    with _LOCK:
        runs = list(runs)
        return Status(steps_done=sum(run.steps_done for run in runs),
                      steps_planned=sum(run.config.steps for run in runs),
                      seconds_left=time_left(runs, now),
                      current=next((run for run in runs if run.state == RUNNING), None),
                      done=all(run.done for run in runs),
                      failed=tuple(run.error for run in runs if run.state == FAILED))


def describe_wait(seconds: float | None) -> str:
    """"about 40 s left", "about 2 min 5 s left" (from 90 s on), or "measuring the speed" before the first report."""
    if seconds is None:
        return "measuring the speed"
    seconds = int(round(seconds))
    if seconds < 1:
        return "almost done"
    if seconds < 90:
        return f"about {seconds} s left"
    return f"about {seconds // 60} min {seconds % 60} s left"


@dataclass(frozen=True)
class SentenceShape:
    """Where a typed sentence's context word is and how far it is from the closing "let's meet for".

    words: T; context: the 1-based step of the first context word (None if it has none); gap: the words
    between that word and the closing "let's meet for" (None without a context word, or without that ending);
    before: words in front of the context word (training sentences start with it); others: the context words
    among the gap's words (training sentences have only filler words there).
    """

    words: int
    context: int | None
    gap: int | None
    before: int
    ends_with_prompt: bool
    others: tuple[str, ...] = ()

    @property
    def fillers(self) -> int | None:
        """Filler words in the gap (the gap's words that are not context words)."""
        return None if self.gap is None else self.gap - len(self.others)

    def like_training(self, gap: int) -> bool:
        """Whether the sentence has exactly the shape of the training sentences at ``gap``."""
        return self.ends_with_prompt and self.context == 1 and self.gap == gap and not self.others


def sentence_shape(tokens) -> SentenceShape:
    words = [tasks.VOCAB[int(k)] for k in tokens]
    ends = tuple(words[-len(tasks.PROMPT):]) == tasks.PROMPT
    found = next((k for k, word in enumerate(words) if word in tasks.CONTEXTS), None)
    if found is None:
        return SentenceShape(len(words), None, None, 0, ends)
    gap = len(words) - len(tasks.PROMPT) - found - 1 if ends and found < len(words) - len(tasks.PROMPT) else None
    between = words[found + 1:found + 1 + gap] if gap is not None else []
    others = tuple(word for word in between if word in tasks.CONTEXTS)
    return SentenceShape(len(words), found + 1, gap, found, ends, others)


@dataclass(frozen=True)
class HeldOutScores:
    """A trained model on held-out sentences at several gaps (the test stream of one seed).

    accuracy[k]: the share of sentences at gaps[k] whose most probable meal is right; confidence[k]: the
    probability the model gives the right meal, averaged over those sentences; answers[k][a][b]: how many
    of those sentences whose right meal is a got meal b as the most probable one.
    """

    gaps: tuple[int, ...]
    size: int
    accuracy: tuple[float, ...]
    confidence: tuple[float, ...]
    answers: tuple = ()

    def at(self, gap: int) -> tuple[float, float]:
        k = self.gaps.index(gap)
        return self.accuracy[k], self.confidence[k]

    def fixed_answers(self, k: int) -> tuple[int, ...] | None:
        """The meal each context word gets at gaps[k] if every sentence that starts with that word gets the
        same answer (one per word, in tasks.CONTEXTS' order), else None."""
        table = np.asarray(self.answers[k])
        rows = [row for row in table if row.sum() > 0]
        if len(rows) < len(table) or any(row.max() != row.sum() for row in rows):
            return None
        return tuple(int(np.argmax(row)) for row in table)


def held_out_scores(model, seed: int, gaps, size: int) -> HeldOutScores:
    """Accuracy and mean probability of the right meal on ``size`` held-out sentences at each gap.

    At the trained gap with size = test_size these are the sentences training scored itself on.
    """
    accuracy, confidence, answers = [], [], []
    meals = len(tasks.MEALS)
    for gap in gaps:
        batch = tasks.held_out_set(seed, gap, size, model.dtype)
        p = np.concatenate([model.probabilities(batch.x[:, start:start + 64]) for start in range(0, size, 64)])
        right = p[np.arange(size), batch.targets]
        chosen = p.argmax(axis=1)
        accuracy.append(float(np.mean(chosen == batch.targets)))
        confidence.append(float(np.mean(right)))
        table = np.zeros((meals, meals), dtype=int)
        np.add.at(table, (batch.targets, chosen), 1)
        answers.append(tuple(map(tuple, table.tolist())))
    return HeldOutScores(tuple(int(g) for g in gaps), int(size), tuple(accuracy), tuple(confidence), tuple(answers))


def start_gradient_log10(config: TrainConfig, seeds, sentences: int = 8) -> float:
    """How much gradient reaches the first word before training: log10 of the spectral norm of
    d state_T / d state_1 (state h, or [h; c] for the LSTM; state_1 the state after the context word) for the
    model ``config`` starts from, averaged over the first ``sentences`` held-out sentences of each seed.

    -4 means that any gradient arriving at the last state reaches the first word at least 10,000 times smaller.
    """
    logs = []
    for seed in seeds:
        model = init_model(config.cell, config.hidden_size, seed=seed, forget_bias=config.forget_bias,
                           update_bias=config.update_bias, dtype=np.float64)
        batch = tasks.held_out_set(seed, config.gap, sentences, np.float64)
        for k in range(sentences):
            trace = model.cell.unroll(batch.x[:, k])
            logs.append(jacobian_log_norms(model.cell, trace)[0] / np.log(10))
    return float(np.mean(logs))


def saturated_share(model, seed: int, gap: int, size: int = 128, level: float = 0.95) -> float:
    """The share of the last hidden state's entries beyond +-level, over ``size`` held-out sentences at ``gap``:
    units held at the flat ends of tanh, where a value stays put (a latch) and passes back almost no gradient."""
    batch = tasks.held_out_set(seed, gap, size, model.dtype)
    last = np.concatenate([model.cell.unroll(batch.x[:, start:start + 64]).h[-1] for start in range(0, size, 64)])
    return float(np.mean(np.abs(last) > level))


@dataclass(frozen=True)
class UnitMemory:
    """How one unit's state differs between runs of a sentence that differ only in the context word.

    ranges[t]: the largest minus the smallest of the runs' values after step t + 1 (t an index from 0), from the
    context word's step on (``position``, an index); widest: the index where that range is largest; fans_out:
    whether the runs keep spreading to the end (the range at the end is at least twice the one at the context
    word and within 10% of the widest, and grows from step to step at least three times in four); crossing:
    (word, word, index) of the first two runs that change places once the range has reached half its widest
    (None if none do).
    """

    position: int
    ranges: tuple[float, ...]
    widest: int
    fans_out: bool
    crossing: tuple[str, str, int] | None

    @property
    def start(self) -> float:
        return self.ranges[self.position]

    @property
    def end(self) -> float:
        return self.ranges[-1]


def unit_memory(states, position: int) -> UnitMemory:
    """``states``: context word -> (T,) one unit's state over the sentence with that word at ``position``."""
    words = list(states)
    values = np.array([np.asarray(states[w], dtype=float) for w in words])     # (words, T)
    ranges = values.max(axis=0) - values.min(axis=0)
    after = ranges[position:]
    widest = position + int(np.argmax(after))
    growing = np.diff(after) > 0
    fans_out = bool(after.size > 1 and after[-1] >= 2 * after[0] and after[-1] >= 0.9 * after.max()
                    and growing.mean() >= 0.75)
    apart = position + int(np.argmax(after >= after.max() / 2))                 # the first step at half the widest
    crossing = None
    for t in range(apart + 1, values.shape[1]):
        for a in range(len(words)):
            for b in range(a + 1, len(words)):
                if np.sign(values[a, t] - values[b, t]) * np.sign(values[a, apart] - values[b, apart]) < 0:
                    crossing = (words[a], words[b], t)
                    break
            if crossing:
                break
        if crossing:
            break
    return UnitMemory(position, tuple(float(r) for r in ranges), widest, fans_out, crossing)


def right_meal(tokens) -> int | None:
    """The meal the sentence's first context word decides (None without a context word)."""
    words = [tasks.VOCAB[int(k)] for k in tokens]
    context = next((word for word in words if word in tasks.CONTEXTS), None)
    return None if context is None else tasks.CONTEXTS.index(context)


__all__ = ["SharedRun", "Cancelled", "STEP_COST", "start", "watch", "unwatch", "prune", "waiting", "time_left",
           "status", "Status", "GRACE", "describe_wait", "SentenceShape", "sentence_shape", "HeldOutScores", "held_out_scores",
           "start_gradient_log10", "saturated_share", "UnitMemory", "unit_memory", "right_meal"]
