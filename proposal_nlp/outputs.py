"""Outputs on disk: cells a spreadsheet would run neutralised, files and folders put in place
atomically, nothing deleted that the project did not write, one writer per output.

- :func:`escape_cell` / :func:`unescape_cell`: the one escaping every writer uses (workbook and
  CSV cells, column headers, the about table, ``audit -o``, the report's tables).
- :class:`StagedOutput` / :func:`staged_output`: an output is written to a temporary sibling
  (same folder, so the final rename is atomic), flushed to disk with ``os.fsync`` and renamed
  into place; a failure removes the sibling and leaves the previous output as it was.
- A CSV folder holds :data:`MANIFEST_NAME` listing the files the project wrote (size and
  SHA-256) and the library version. An existing folder is replaced only if it holds nothing
  else and none of those files was changed since.
- :class:`OutputLock`: a lock file beside the output, so two runs never write the same output.
- :func:`check_output_path`: refuses an output that is an input, holds an input, or holds the
  current folder (``-o .``).
- :func:`live_formula_cells`: how many cells of a written workbook or CSV folder a spreadsheet
  would still run as formulas (for benchmarks and checks).
"""
from __future__ import annotations

import csv
import errno
import glob
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import socket
import time
import unicodedata
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from .errors import InputError, OutputError, ProposalNLPError

log = logging.getLogger(__name__)

MANIFEST_NAME = ".proposal_nlp_manifest.json"
#: a lock whose file was not touched for this long belongs to a run that is gone
LOCK_STALE_SECONDS = 3600
_LOCK_REFRESH_SECONDS = 60
# view settings the desktop drops into any folder a user opens: carried over to the new
# output instead of blocking it (never deleted)
_FOLDER_VIEW_FILES = frozenset({".DS_Store", "Thumbs.db", "thumbs.db", "desktop.ini", "Desktop.ini"})

# ---------------------------------------------------------------------------------------------
# cells

#: a text cell whose first non-blank character is one of these (or a control character) is run
#: as a formula by some spreadsheet: the ASCII forms, their full-width and small forms (Excel and
#: WPS turn full-width ＝ into = when a cell is entered), and the minus sign
FORMULA_CHARS = frozenset("=+-@＝＋－＠﹦﹢﹣﹫−")


def _control(ch: str) -> bool:
    o = ord(ch)
    return o < 0x20 or 0x7F <= o <= 0x9F  # C0 (tab, CR, LF, NUL ...), DEL and C1


def _blank(ch: str) -> bool:
    # spaces of any width and invisible format characters (zero-width space, BOM, bidi marks):
    # a spreadsheet may trim them, so the character after them decides
    return ch.isspace() or unicodedata.category(ch) == "Cf"


def needs_escape(value: str) -> bool:
    """True if a spreadsheet could run ``value`` as a formula: its first non-blank character is
    one of :data:`FORMULA_CHARS` or a control character (C0 incl. tab, CR, LF, NUL; C1)."""
    for ch in value:
        if _control(ch) or ch in FORMULA_CHARS:
            return True
        if not _blank(ch):
            return False
    return False


def escape_cell(value):
    """Text a spreadsheet could run as a formula, prefixed with ``'``; anything else unchanged.

    Also prefixed: text that already looks escaped (``'=1`` written by a user), so that
    :func:`unescape_cell` gives back exactly what was written. Non-text values (numbers, None)
    are returned as they are: a negative number stays a number.
    """
    if isinstance(value, str) and needs_escape(value.lstrip("'")):
        return "'" + value
    return value


def unescape_cell(value):
    """The exact inverse of :func:`escape_cell` (``unescape_cell(escape_cell(v)) == v``)."""
    if isinstance(value, str) and value[:1] == "'" and needs_escape(value.lstrip("'")):
        return value[1:]
    return value


# OOXML stores a character an XML file cannot carry as ``_xHHHH_`` (Excel, xlsxwriter, WPS write a
# carriage return as ``_x000D_``); a literal ``_xHHHH_`` in the text is written ``_x005F_xHHHH_``
_OOXML_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
# every "_" that starts an escape-like run (runs may share an underscore, _x005F_x0041_, or end
# where a CR is escaped, _x0041\r), and CR
_OOXML_TO_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}[_\r])|\r")


def xlsx_escape(text: str) -> str:
    """``text`` as an XLSX cell stores it so that it is read back exactly: a carriage return as
    ``_x000D_`` (an XML reader would turn it into a newline), a literal ``_xHHHH_`` as
    ``_x005F_xHHHH_`` (Excel would show it as the character it names). Inverse:
    :func:`xlsx_unescape`."""
    if "\r" not in text and "_x" not in text:
        return text
    return _OOXML_TO_ESCAPE.sub(lambda m: "_x000D_" if m.group() == "\r" else "_x005F_", text)


def _unescape_one(m: re.Match) -> str:
    code = int(m.group(1), 16)
    return m.group() if 0xD800 <= code <= 0xDFFF else chr(code)  # a lone surrogate is no text: kept as written


def xlsx_unescape(text: str) -> str:
    """A workbook's text cell as Excel shows it: ``_xHHHH_`` escapes (``_x000D_`` for a carriage
    return, ``_x005F_`` for ``_``) replaced by their characters; openpyxl leaves them in."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPED.sub(_unescape_one, text)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def live_formula_cells(path) -> int:
    """How many cells of a workbook, CSV file or CSV folder a spreadsheet would run as formulas.

    Counts workbook cells stored as formulas, and text cells (headers included) whose first
    non-blank character starts a formula and that are not neutralised by a leading ``'``
    (in a workbook such a cell becomes live as soon as it is copied or saved as CSV). A plain
    number such as ``-0.5`` in a CSV file is a number, not a formula.
    """
    path = Path(path)
    if path.is_dir():
        return sum(live_formula_cells(p) for p in sorted(path.glob("*.csv")))
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        n = 0
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row in csv.reader(f, delimiter="\t" if path.suffix.lower() == ".tsv" else ","):
                n += sum(1 for v in row if needs_escape(v) and not _NUMBER.fullmatch(v))
        return n
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        n = 0
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    v = getattr(cell, "value", None)
                    if getattr(cell, "data_type", None) == "f" or (isinstance(v, str) and needs_escape(v)):
                        n += 1
        return n
    finally:
        wb.close()


# ---------------------------------------------------------------------------------------------
# paths and errors

def cannot_write(path, exc: OSError) -> str:
    """The PN153 message for an ``OSError`` met while writing ``path``: what failed and the fix."""
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        why, fix = "the disk is full", "free some space or write to another disk"
    elif isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM, errno.EROFS):
        why, fix = ("the location is read-only or you may not write there",
                    "choose a folder you can write to, or close the output if it is open in Excel or WPS")
    else:
        why, fix = "the system refused", "check the location, or choose another output"
    detail = exc.strerror or str(exc)
    return f"cannot write {path}: {why} ({detail}); nothing at {path} was changed; {fix} (-o)"


def exists_message(path) -> str:
    """The PN150 message for an output that exists and may not be overwritten."""
    return f"{path} already exists; choose another output or pass --force (force=True) to overwrite it"


def check_output_path(out, *, inputs=()) -> Path:
    """Refuse an output that would replace what the run reads or where it runs.

    Raises PN156 if ``out`` is the current folder or one above it (``-o .``), is one of
    ``inputs`` or a folder holding one of them (``inputs`` that are not paths are ignored),
    and PN153 if its folder exists but cannot be written. Returns the resolved output path.
    """
    target = Path(out).resolve()
    cwd = Path.cwd().resolve()
    if target == cwd or target in cwd.parents:
        raise InputError(f"output {out} is the current folder or holds it: a result folder is replaced as a "
                         "whole; give a new folder name, e.g. -o result", code="PN156")
    for inp in inputs:
        if not isinstance(inp, (str, os.PathLike)):
            continue
        source = Path(inp).resolve()
        if source == target:
            raise InputError(f"output {out} is {inp}, which this run reads; give another output name",
                             code="PN156")
        if target in source.parents:
            raise InputError(f"output {out} is a folder holding {inp}, which this run reads; give a new "
                             "folder for the output", code="PN156")
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        denied = PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
        raise OutputError(cannot_write(out, denied), code="PN153")
    return target


# ---------------------------------------------------------------------------------------------
# lock

class OutputLock:
    """A lock file beside an output (``.NAME.lock``), created with ``O_CREAT | O_EXCL``.

    It records the pid, host and a random token of the run holding it; the holder touches it
    (:meth:`refresh`) while it writes. A lock is stale, and taken over, when its run is gone:
    on the same host its pid is dead (POSIX only: on Windows ``os.kill`` would end the process),
    or anywhere, the file was not touched for :data:`LOCK_STALE_SECONDS` (a run killed on
    another machine sharing the folder). A stale lock is renamed aside before it is removed, so
    of two runs taking it over at once only one succeeds. The lock keeps runs from racing; even
    without it every output is put in place by renames and stays whole.
    """

    def __init__(self, target):
        self.target = Path(target)
        self.path = self.target.with_name(f".{self.target.name}.lock")
        self.token: str | None = None
        self._touched = 0.0

    def acquire(self) -> OutputLock:
        info = {"pid": os.getpid(), "host": socket.gethostname(), "token": secrets.token_hex(8),
                "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                held = _read_lock(self.path)
                if held is not None and not _stale(*held):
                    raise OutputError(self._busy(held[0]), code="PN155") from None
                if held is not None:
                    self._take_over(held[0])
                continue
            try:
                os.write(fd, json.dumps(info).encode("utf-8"))
            except BaseException:
                os.close(fd)
                self.path.unlink(missing_ok=True)
                raise
            os.close(fd)
            self.token = info["token"]
            self._touched = time.monotonic()
            return self
        held = _read_lock(self.path)
        raise OutputError(self._busy(held[0] if held else {}), code="PN155")

    def refresh(self) -> None:
        """Touch the lock (at most once a minute) to show the run is alive."""
        if self.token is None or time.monotonic() - self._touched < _LOCK_REFRESH_SECONDS:
            return
        self._touched = time.monotonic()
        try:
            os.utime(self.path)
        except OSError:
            pass

    def release(self) -> None:
        """Remove the lock file if it is still this lock's (never another run's)."""
        if self.token is None:
            return
        token, self.token = self.token, None
        try:
            held = _read_lock(self.path)
            if held is not None and held[0].get("token") == token:
                self.path.unlink(missing_ok=True)
        except OSError as exc:  # the output is written or given up; a left lock goes stale
            log.warning("could not remove the lock file %s: %s", self.path, exc)

    def _take_over(self, stale: dict) -> None:
        aside = self.path.with_name(f"{self.path.name}.stale-{secrets.token_hex(4)}")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return  # released or taken over by another run meanwhile
        moved = _read_lock(aside)
        if moved is not None and moved[0].get("token") != stale.get("token"):
            # another run took the stale lock over first and this is its fresh lock: put it back
            try:
                os.link(aside, self.path)
            except OSError:
                pass
        aside.unlink(missing_ok=True)
        pattern = f".{glob.escape(self.target.name)}.*-*"
        left = sorted(p.name for p in self.target.parent.glob(pattern) if p.name != aside.name)
        log.warning("took over the lock %s of a run that is gone (pid %s)%s", self.path, stale.get("pid"),
                    f"; it left {', '.join(left)} beside the output: look at and remove them" if left else "")

    def _busy(self, held: dict) -> str:
        who = f"process {held.get('pid')} on {held.get('host')} since {held.get('since')}" if held else "another run"
        if held.get("pid") == os.getpid() and held.get("host") == socket.gethostname():
            who = "this Python session (a writer not closed: call its close() or abort())"
        return (f"{self.target} is being written by {who} (lock file {self.path}); wait for that run to finish "
                "or choose another output; if no run is writing it, delete the lock file")


def _read_lock(path: Path) -> tuple[dict, float] | None:
    try:
        mtime = path.stat().st_mtime
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        info = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        info = {}  # being written, or broken: judged by its age only
    return (info if isinstance(info, dict) else {}), mtime


def _stale(info: dict, mtime: float) -> bool:
    if time.time() - mtime > LOCK_STALE_SECONDS:
        return True
    pid = info.get("pid")
    if os.name == "posix" and isinstance(pid, int) and info.get("host") == socket.gethostname():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False  # alive, owned by another user
    return False


# ---------------------------------------------------------------------------------------------
# staging and moving into place

def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":  # Windows cannot open a folder to flush it; its renames are journalled
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF, getattr(errno, "ENOTSUP", errno.EINVAL)):
            raise
    finally:
        os.close(fd)


def _file_record(path: Path) -> dict:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"bytes": path.stat().st_size, "sha256": h.hexdigest()}


def read_manifest(folder) -> dict | None:
    """The manifest of a folder written by the project, or None (absent or not readable)."""
    try:
        data = json.loads((Path(folder) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("written_by") != "proposal_nlp":
        return None
    if not isinstance(data.get("files"), dict):
        return None
    return data


def owned_files(folder, shown=None) -> list[str]:
    """The files of ``folder`` the project wrote (its manifest included), checked unchanged.

    Raises PN154 naming every other entry (files of the user, files changed since they were
    written, sub-folders): the folder then may not be replaced. Desktop view files
    (``.DS_Store``, ``Thumbs.db``, ``desktop.ini``) are allowed; they are not listed.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    listed = manifest["files"] if manifest else {}
    foreign, changed, owned = [], [], []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        name = entry.name
        if name in _FOLDER_VIEW_FILES and entry.is_file(follow_symlinks=False):
            continue
        if name == MANIFEST_NAME and manifest is not None:
            owned.append(name)
            continue
        record = listed.get(name)
        if record is None or not entry.is_file(follow_symlinks=False):
            foreign.append(name)
        elif _file_record(Path(entry.path)) != {"bytes": record.get("bytes"), "sha256": record.get("sha256")}:
            changed.append(name)
        else:
            owned.append(name)
    if foreign or changed:
        parts = []
        if foreign:
            more = f" and {len(foreign) - 8} more" if len(foreign) > 8 else ""
            parts.append("files proposal_nlp did not write: " + ", ".join(foreign[:8]) + more)
        if changed:
            parts.append("files changed since proposal_nlp wrote them: " + ", ".join(changed[:8]))
        why = "" if manifest else f" (it has no {MANIFEST_NAME}, so none of its files is known to be an output)"
        raise InputError(f"{shown or folder} holds {'; '.join(parts)}{why}; nothing was deleted. Choose a new or "
                         "empty folder for the output, or move those files out first", code="PN154")
    return owned


class StagedOutput:
    """One output being written: its lock, its temporary sibling :attr:`stage`, the move into place.

    ``folder=False``: :attr:`stage` is a file path to write; :meth:`commit` flushes it to disk and
    renames it over the target (``os.replace``, atomic). ``folder=True``: :attr:`stage` is a new
    folder to fill; :meth:`commit` adds the manifest and swaps it with the target. An existing
    target is replaced only with ``force``, and a folder only if it holds nothing but what the
    project wrote there (PN154). :meth:`abort` removes the stage and releases the lock; any
    failure inside :meth:`guard` aborts, and an ``OSError`` becomes PN153.
    """

    def __init__(self, target, *, folder: bool = False, force: bool = False):
        self.shown = Path(target)
        check_output_path(self.shown)
        self.target = self.shown.resolve()  # a symlinked output: replace what it points to
        self.folder = folder
        self.token = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.stage = self.target.with_name(f".{self.target.name}.part-{self.token}")
        self.lock = OutputLock(self.target)
        self.on_abort: list = []  # more clean-up for abort (e.g. a library's own temporary files)
        self._done = False
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.lock.acquire()
        except OSError as exc:
            if isinstance(exc, ProposalNLPError):
                raise
            raise OutputError(cannot_write(self.shown, exc), code="PN153") from exc
        with self.guard():
            if self.target.exists():
                if not force:
                    raise InputError(exists_message(self.shown), code="PN150")
                if folder and not self.target.is_dir():
                    raise InputError(f"{self.shown} is a file; give a folder for CSV output or a .xlsx name",
                                     code="PN150")
                if not folder and self.target.is_dir():
                    raise InputError(f"{self.shown} is a folder; give a file name (e.g. result.xlsx)", code="PN150")
                if folder:
                    owned_files(self.target, self.shown)  # refuse now, before any work is done
            if folder:
                self.stage.mkdir()

    @contextmanager
    def guard(self):
        """Abort on any failure inside; an ``OSError`` becomes PN153."""
        try:
            yield self
        except BaseException as exc:
            self.abort()
            if isinstance(exc, OSError) and not isinstance(exc, ProposalNLPError):
                raise OutputError(cannot_write(self.shown, exc), code="PN153") from exc
            raise

    def commit(self) -> Path:
        """Flush the stage to disk and put it in place of the target; release the lock."""
        with self.guard():
            if self.folder:
                self._commit_folder()
            else:
                _fsync_file(self.stage)
                os.replace(self.stage, self.target)
                self._done = True
            try:
                _fsync_dir(self.target.parent)
            except OSError as exc:  # the output is in place; only its durability is unsure
                log.warning("could not flush folder %s to disk: %s", self.target.parent, exc)
            self.lock.release()
        return self.shown

    def _commit_folder(self) -> None:
        from . import __version__

        files = {}
        for p in sorted(self.stage.iterdir()):
            if p.name != MANIFEST_NAME:
                _fsync_file(p)
                files[p.name] = _file_record(p)
        manifest = {"written_by": "proposal_nlp", "version": __version__, "files": files}
        m = self.stage / MANIFEST_NAME
        with open(m, "w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        _fsync_dir(self.stage)
        if not os.path.lexists(self.target):
            os.rename(self.stage, self.target)
            self._done = True
            return
        old = owned_files(self.target, self.shown)  # again: files may have been added during the run
        backup = self.target.with_name(f".{self.target.name}.old-{self.token}")
        # The swap. Before the first rename the target holds the old output, after the second the
        # new one. Between the two (an instant) the target name is absent: a kill exactly there
        # leaves both outputs complete, the old as .NAME.old-*, the new as .NAME.part-*, beside
        # it; rename either back. A failure of the second rename puts the old one back.
        os.rename(self.target, backup)
        try:
            os.rename(self.stage, self.target)
        except BaseException:
            os.rename(backup, self.target)
            raise
        self._done = True
        self.lock.release()
        _remove_previous(backup, old, self.target)

    def abort(self) -> None:
        """Remove what was written so far and release the lock; the target is left as it was."""
        if self._done:
            return
        self._done = True
        for fn in self.on_abort:
            try:
                fn()
            except Exception as exc:  # clean-up goes on; the first failure is what the user sees
                log.debug("clean-up of %s: %s", self.shown, exc)
        if self.folder:
            shutil.rmtree(self.stage, ignore_errors=True)
        else:
            try:
                self.stage.unlink(missing_ok=True)
            except OSError:
                pass
        try:
            self.lock.release()
        except OSError:
            pass


def _remove_previous(backup: Path, owned: list[str], target: Path) -> None:
    """Delete the files of the previous output (only those the project wrote) and its folder.

    The new output is in place by now: a failure here only leaves the previous one behind.
    """
    try:
        for name in os.listdir(backup):
            if name in _FOLDER_VIEW_FILES and not (target / name).exists():
                os.rename(backup / name, target / name)  # the user's view settings move along
        for name in owned:
            (backup / name).unlink(missing_ok=True)
        backup.rmdir()
    except OSError as exc:
        log.warning("the previous output was kept in %s (%s): look at what it holds and remove it yourself",
                    backup, exc)


@contextmanager
def staged_output(target, *, folder: bool = False, force: bool = False):
    """``with staged_output(path) as out:`` write ``out.stage``; on leaving, it is put in place.

    A failure inside removes the stage, leaves the target as it was and (for an ``OSError``)
    raises PN153.
    """
    out = StagedOutput(target, folder=folder, force=force)
    with out.guard():
        yield out
    out.commit()


def write_text_file(path, text: str, *, force: bool = False, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (refused if it exists, unless ``force``)."""
    with staged_output(path, force=force) as out:
        with open(out.stage, "w", encoding=encoding, newline="") as f:
            f.write(text)
    return Path(path)


__all__ = ["escape_cell", "unescape_cell", "needs_escape", "live_formula_cells", "xlsx_escape", "xlsx_unescape", "FORMULA_CHARS", "MANIFEST_NAME",
           "LOCK_STALE_SECONDS", "OutputLock", "StagedOutput", "staged_output", "write_text_file",
           "check_output_path", "owned_files", "read_manifest", "cannot_write", "exists_message"]
