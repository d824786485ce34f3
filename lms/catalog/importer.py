"""Course folders (and zips of one course) → validated specs → the database.

Everything is read and validated before anything is written. Problems are reported as
``path:line: message``; with any problem nothing is written. Re-importing unchanged
content writes nothing (content hashes); a changed lesson body gets a new version; a
lesson no longer in the files is retired, never deleted with its progress.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lms.catalog import media
from lms.catalog.hooks import quiz_slug_providers
from lms.core.frontmatter import ContentError, FrontMatter, Problem, decode_utf8, parse_front_matter
from lms.core.groups import TARGET_GROUPS
from lms.core.markdown import is_relative_url, render_markdown
from lms.core.text import fold

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
NUMBERED = re.compile(r"(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)")
ASSET_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    # Forms learners download and fill in (self-scoring sheets, model letters, checklists).
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".mp3": "audio/mpeg",
    ".opus": "audio/ogg",
    ".ogg": "audio/ogg",
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
}
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
MAX_ASSET_BYTES = 10 * 1024 * 1024
MAX_COURSE_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000

COURSE_KEYS = {
    "title", "title_en", "summary", "summary_en", "audience", "language", "hours", "version",
    "prerequisites", "completion", "self_enrol", "certificate_template", "published",
}
COURSE_REQUIRED = ("title", "summary", "audience")
MODULE_KEYS = {"title", "title_en"}
LESSON_KEYS = {"title", "title_en", "minutes", "required", "exercise_minutes", "audio"}
LANGUAGES = {"vi", "en"}

# Markdown links and images, inline and reference-style definitions.
_INLINE_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_REF_DEF = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")

# Estimated online study time (see courses/README.md, "Honest hours"). Vietnamese is
# counted in syllables (the space-separated words of the text); 150 a minute is a slow,
# careful reader on a phone, the readers this curriculum is written for.
READING_WORDS_PER_MINUTE = 150
DEFAULT_QUIZ_MINUTES = 20  # a required quiz without a time limit
HOURS_WARNING_RATIO = 1.5  # import-courses --check warns above this declared/estimated ratio
_MARKUP = re.compile(r"`[^`]*`|!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)|[#*|>_\[\]]|:?-{3,}:?|^\s*!!!\s+\w+", re.M)


@dataclass
class LessonSpec:
    slug: str
    key: str  # module_slug/lesson_slug
    path: str
    title: str
    title_en: str | None
    minutes: int
    required: bool
    body_md: str
    body_html: str = ""
    content_hash: str = ""
    exercise_minutes: int = 0
    body_line: int = 1  # the file's line where the Markdown body starts, for messages
    folder: str = ""  # the module folder, NN-<slug>, that relative links start from
    audio_ref: str | None = None  # front matter 'audio': a relative link to the narration file
    audio_line: int = 1
    audio_path: str | None = None  # the course file it resolves to
    audio_seconds: int | None = None


@dataclass
class ModuleSpec:
    slug: str
    path: str
    title: str
    title_en: str | None
    overview_md: str
    overview_html: str = ""
    lessons: list[LessonSpec] = field(default_factory=list)
    folder: str = ""  # NN-<slug>


@dataclass
class AssetSpec:
    path: str  # relative to the course folder
    mime_type: str
    data: bytes
    sha256: str


@dataclass
class StudyEstimate:
    """Minutes of online study a course asks for, derived from its content."""

    reading: int
    exercises: int
    quizzes: int
    words: int

    @property
    def total(self) -> int:
        return self.reading + self.exercises + self.quizzes

    @property
    def hours(self) -> float:
        return self.total / 60


@dataclass
class CourseSpec:
    slug: str
    root: str  # how the course's folder is shown in messages
    meta: dict[str, Any]
    overview_md: str
    overview_html: str = ""
    modules: list[ModuleSpec] = field(default_factory=list)
    assets: list[AssetSpec] = field(default_factory=list)
    source_hash: str = ""
    meta_lines: dict[str, int] = field(default_factory=dict)
    # True when the files are byte-for-byte those last imported: nothing to parse or write.
    unchanged: bool = False
    estimate: StudyEstimate | None = None
    body_line: int = 1  # course.md's line where the overview starts
    readable: bool = False  # course.md was read and its front matter parsed

    @property
    def lessons(self) -> list[LessonSpec]:
        return [lesson for module in self.modules for lesson in module.lessons]


@dataclass
class CourseSource:
    """The files of one course, from a folder or a zip: relative path → bytes."""

    slug: str
    root: str
    files: dict[str, bytes]


# --- reading sources -----------------------------------------------------------


def _read_folder(folder: Path, display: str) -> dict[str, bytes]:
    """Every file of a course folder (relative POSIX path → bytes), in path order.

    One ``scandir`` per folder, whose entries know their type without a ``stat``: an
    unchanged re-import reads every course's files to hash them, so this is its cost.
    """
    found: list[tuple[tuple[str, ...], str]] = []

    def walk(directory: str, parts: tuple[str, ...]) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_symlink():
                    continue  # never follow links out of the course folder
                if entry.is_dir():
                    walk(entry.path, (*parts, entry.name))
                elif entry.is_file() and entry.name not in IGNORED_NAMES and not entry.name.startswith("."):
                    found.append(((*parts, entry.name), entry.path))

    walk(str(folder), ())
    files: dict[str, bytes] = {}
    for parts, path in sorted(found):
        with open(path, "rb") as handle:
            files["/".join(parts)] = handle.read()
    return files


def read_zip(data: bytes, display: str) -> CourseSource:
    """One course from a zip: course.md at the top or inside a single top folder."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ContentError([Problem(display, 1, "not a valid zip file")]) from None
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ContentError([Problem(display, 1, f"the zip holds more than {MAX_ZIP_ENTRIES} files")])
    total = sum(i.file_size for i in infos)
    if total > MAX_COURSE_BYTES:
        raise ContentError([Problem(display, 1, "the zip unpacks to more than 100 MB")])
    names = [i.filename for i in infos]
    for name in names:
        parts = name.replace("\\", "/").split("/")
        if name.startswith("/") or ".." in parts or ":" in parts[0]:
            raise ContentError([Problem(display, 1, f"unsafe path in zip: {name}")])
    prefix = ""
    if "course.md" not in names:
        tops = {n.split("/", 1)[0] for n in names if "/" in n}
        if len(tops) == 1 and f"{next(iter(tops))}/course.md" in names:
            prefix = next(iter(tops)) + "/"
        else:
            raise ContentError([Problem(display, 1, "the zip does not contain a course (no course.md)")])
    slug = prefix.rstrip("/") or Path(display).stem
    files: dict[str, bytes] = {}
    read_total = 0
    for info in infos:
        name = info.filename
        if not name.startswith(prefix):
            continue
        rel = name[len(prefix):]
        base = rel.rsplit("/", 1)[-1]
        if not rel or base in IGNORED_NAMES or base.startswith(".") or rel.startswith("__MACOSX/"):
            continue
        # Read with a cap, whatever the zip declares: zipfile stops at the declared size and
        # checks the CRC, so an entry whose declared size lies is refused, not inflated.
        try:
            with archive.open(info) as fh:
                content = fh.read(MAX_ASSET_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise ContentError([Problem(display, 1, f"damaged zip entry {name}: {exc}")]) from None
        read_total += len(content)
        if read_total > MAX_COURSE_BYTES:
            raise ContentError([Problem(display, 1, "the zip unpacks to more than 100 MB")])
        files[rel] = content
    return CourseSource(slug, display, files)


def collect_sources(paths: list[Path]) -> list[CourseSource]:
    """A PATH is one course folder, a folder of course folders, or a zip of one course."""
    problems: list[Problem] = []
    sources: list[CourseSource] = []
    for path in paths:
        display = str(path)
        if not path.exists():
            problems.append(Problem(display, 1, "no such file or folder"))
        elif path.is_file() and path.suffix.lower() == ".zip":
            try:
                sources.append(read_zip(path.read_bytes(), display))
            except ContentError as exc:
                problems.extend(exc.problems)
        elif path.is_dir() and (path / "course.md").is_file():
            sources.append(CourseSource(path.name, display, _read_folder(path, display)))
        elif path.is_dir():
            for child in sorted(path.iterdir()):
                if not child.is_dir() or child.name.startswith((".", "_")):
                    continue
                if (child / "course.md").is_file():
                    sources.append(CourseSource(child.name, str(child), _read_folder(child, str(child))))
                else:
                    problems.append(Problem(str(child / "course.md"), 1, "not a course folder: course.md is missing"))
        else:
            problems.append(Problem(display, 1, "expected a course folder, a folder of courses or a .zip"))
    if problems:
        raise ContentError(problems)
    return sources


# --- parsing ------------------------------------------------------------------


def normalized_key(rel: str) -> str:
    """A path with the NN- ordering prefixes removed: links survive renumbering."""
    parts = []
    for part in rel.split("/"):
        stem, dot, ext = part.partition(".") if part.endswith(".md") else (part, "", "")
        match = NUMBERED.fullmatch(stem)
        parts.append((match.group(2) if match else stem) + (dot + ext if dot else ""))
    return "/".join(parts)


class LinkResolver:
    """Resolves relative links of a course's Markdown to the app's URLs."""

    def __init__(self, slug: str, lesson_keys: dict[str, str], asset_keys: dict[str, str]):
        self.slug = slug
        self.lesson_keys = lesson_keys  # normalised "module/lesson.md" → lesson slug
        self.asset_keys = asset_keys  # normalised path → stored asset path

    def target(self, base_dir: str, url: str) -> tuple[str, str] | None:
        """('lesson', slug) / ('asset', path) / ('course', '') or None when it leads nowhere."""
        path, _, _fragment = url.partition("#")
        path = path.split("?", 1)[0]
        if not path:
            return ("course", "")
        joined = posixpath.normpath(posixpath.join(base_dir, path))
        if joined.startswith("..") or joined.startswith("/"):
            return None
        key = normalized_key(joined)
        if key in self.lesson_keys:
            return ("lesson", self.lesson_keys[key])
        if key in self.asset_keys:
            return ("asset", self.asset_keys[key])
        if key in {"course.md"} or key.endswith("/module.md"):
            return ("course", "")
        return None

    def url_for(self, base_dir: str, url: str) -> str | None:
        found = self.target(base_dir, url)
        if found is None:
            return None
        kind, value = found
        fragment = "#" + url.partition("#")[2] if "#" in url else ""
        if kind == "lesson":
            return f"/courses/{self.slug}/lessons/{value}{fragment}"
        if kind == "asset":
            return f"/courses/{self.slug}/files/{value}"
        return f"/courses/{self.slug}{fragment}"

    def renderer(self, base_dir: str):
        return lambda _tag, url: self.url_for(base_dir, url)


def find_links(markdown_text: str, first_line: int) -> list[tuple[int, str]]:
    """(line, url) of every link and image, skipping fenced code blocks."""
    found: list[tuple[int, str]] = []
    in_fence = False
    for offset, line in enumerate(markdown_text.split("\n")):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for match in _INLINE_LINK.finditer(line):
            found.append((first_line + offset, match.group(1)))
        ref = _REF_DEF.match(line)
        if ref:
            found.append((first_line + offset, ref.group(1)))
    return found


def _check_keys(fm: FrontMatter, allowed: set[str], required: tuple[str, ...], path: str) -> list[Problem]:
    problems = []
    for key in fm.meta:
        if key not in allowed:
            problems.append(Problem(path, fm.line_of(str(key)), f"unknown key '{key}'"))
    for key in required:
        value = fm.meta.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(Problem(path, fm.line_of(key) if key in fm.meta else 1, f"missing required key '{key}'"))
    return problems


def _text(fm: FrontMatter, key: str, path: str, problems: list[Problem], *, max_len: int = 300) -> str | None:
    value = fm.meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        problems.append(Problem(path, fm.line_of(key), f"'{key}' must be text"))
        return None
    text = " ".join(str(value).split())
    if len(text) > max_len:
        problems.append(Problem(path, fm.line_of(key), f"'{key}' is longer than {max_len} characters"))
    return text


def parts_hash(*parts: bytes) -> str:
    """sha256 of ``parts``, each prefixed by its length (no two lists of parts collide); the
    content hash of courses and lessons, and of quiz files (``lms.assessments.quizfile``)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _decode(source: CourseSource, rel: str, problems: list[Problem]) -> str | None:
    try:
        return decode_utf8(source.files[rel], f"{source.root}/{rel}")
    except ContentError as exc:
        problems.extend(exc.problems)
        return None


def _front_matter(text: str, path: str, problems: list[Problem]) -> FrontMatter | None:
    try:
        return parse_front_matter(text, path)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None


QUIZ_SUFFIXES = (".yaml", ".yml", ".gift", ".txt")


class QuizFiles:
    """The quiz files of the quizzes folder by slug, listed once (for the source hash)."""

    def __init__(self, quizzes_dir: str | None):
        self.by_slug: dict[str, list[str]] = {}
        if quizzes_dir and os.path.isdir(quizzes_dir):
            with os.scandir(quizzes_dir) as entries:
                for entry in entries:
                    stem, suffix = os.path.splitext(entry.name)
                    if suffix in QUIZ_SUFFIXES and entry.is_file():
                        self.by_slug.setdefault(stem, []).append(entry.path)

    def parts(self, slugs) -> list[bytes]:
        """The files of the quizzes ``slugs`` names (name and bytes), in a fixed order."""
        return [named_file_part(b"quiz", path) for slug in sorted(set(slugs)) for path in sorted(self.by_slug.get(slug, ()))]


def named_file_part(label: bytes, path: str | os.PathLike) -> bytes:
    """A file as one part of a content hash (``parts_hash``): ``label:``, its name, NUL, its
    bytes. Courses' hashes cover the quiz files they require, and quiz imports their files."""
    with open(path, "rb") as handle:
        return label + b":" + os.fsencode(os.path.basename(path)) + b"\0" + handle.read()


def source_hash(source: CourseSource, quiz_parts: list[bytes] | tuple = ()) -> str:
    """The hash of a course's files (paths and bytes: text, front matter and media alike)
    and of the files of the quizzes it requires (``QuizFiles.parts``): when it equals the
    one stored at the last import, nothing the import reads has changed."""
    return parts_hash(*(p.encode() + b"\0" + source.files[p] for p in sorted(source.files)), *quiz_parts)


def parse_course(source: CourseSource, *, known_hash: str | None = None, known_quizzes=(),
                 quiz_files: QuizFiles | None = None) -> CourseSpec:
    """Read one course's files into a spec, collecting every problem.

    With ``known_hash`` equal to the source hash (the content last imported, unchanged
    since; ``known_quizzes``: the quizzes the course required then, whose files the hash
    covers), nothing is parsed or rendered again. The steps: the course file, the sorting
    of files into modules and assets, each module and its lessons, the assets, then links
    and rendering, and last the checks that need the whole course. ``quiz_files``: the
    quizzes folder (without it, the hash covers the course's files only).
    """
    if known_hash is not None:
        digest = source_hash(source, quiz_files.parts(known_quizzes) if quiz_files else ())
        if digest == known_hash:
            return CourseSpec(source.slug, source.root, {}, "", source_hash=digest, unchanged=True)
    problems: list[Problem] = []
    if not SLUG.fullmatch(source.slug):
        problems.append(Problem(f"{source.root}/course.md", 1, f"the folder name '{source.slug}' is not a valid "
                                "slug (lower-case letters, digits and hyphens)"))
    spec = _parse_course_file(source, problems)
    module_files, asset_files = _sort_files(source, problems)
    lesson_slugs: dict[str, str] = {}  # lesson slug → its file, relative to the course folder
    seen_numbers: dict[str, str] = {}
    for folder in sorted(module_files):
        number, mslug = NUMBERED.fullmatch(folder).groups()
        if number in seen_numbers:
            problems.append(Problem(f"{spec.root}/{folder}/module.md", 1,
                                    f"two modules are numbered {number}: {seen_numbers[number]} and {folder}"))
        seen_numbers[number] = folder
        if any(m.slug == mslug for m in spec.modules):
            problems.append(Problem(f"{spec.root}/{folder}/module.md", 1, f"duplicate module slug '{mslug}'"))
        spec.modules.append(_parse_module(source, folder, module_files[folder], lesson_slugs, problems))
    spec.assets = _parse_assets(spec.root, asset_files, problems)
    _render(spec, lesson_slugs, problems)
    _check_course(spec, lesson_slugs, problems)
    required_quizzes = (spec.meta.get("completion") or {}).get("quizzes") or []
    spec.source_hash = source_hash(source, quiz_files.parts(required_quizzes) if quiz_files else ())
    if problems:
        raise ContentError(problems)
    return spec


def _parse_course_file(source: CourseSource, problems: list[Problem]) -> CourseSpec:
    """course.md: the course's metadata and overview (an empty spec when it cannot be read)."""
    course_path = f"{source.root}/course.md"
    spec = CourseSpec(source.slug, source.root, {}, "")
    text = _decode(source, "course.md", problems)
    fm = _front_matter(text, course_path, problems) if text is not None else None
    if fm is not None:
        problems.extend(_check_keys(fm, COURSE_KEYS, COURSE_REQUIRED, course_path))
        spec.meta = _course_meta(fm, course_path, problems)
        spec.overview_md = fm.body
        spec.meta_lines = fm.key_lines
        spec.body_line = fm.body_line
        spec.readable = True
    return spec


def _sort_files(source: CourseSource, problems: list[Problem]) -> tuple[dict[str, list[str]], dict[str, bytes]]:
    """Module folder → its Markdown file names, and every other file as an asset."""
    module_files: dict[str, list[str]] = {}
    assets: dict[str, bytes] = {}
    for rel in sorted(source.files):
        if rel == "course.md":
            continue
        parts = rel.split("/")
        if len(parts) == 2 and NUMBERED.fullmatch(parts[0]) and parts[1].endswith(".md"):
            module_files.setdefault(parts[0], []).append(parts[1])
            continue
        if rel.endswith(".md"):
            if len(parts) == 1:
                continue  # notes such as README.md beside course.md are not content
            problems.append(Problem(f"{source.root}/{rel}", 1, "Markdown files belong in a module folder NN-<slug>/"))
            continue
        assets[rel] = source.files[rel]
    return module_files, assets


def _parse_module(source: CourseSource, folder: str, files: list[str], lesson_slugs: dict[str, str],
                  problems: list[Problem]) -> ModuleSpec:
    """One module folder: module.md and its lessons, in file order."""
    mslug = NUMBERED.fullmatch(folder).group(2)
    module_path = f"{source.root}/{folder}/module.md"
    module = ModuleSpec(mslug, module_path, "", None, "", folder=folder)
    if "module.md" not in files:
        problems.append(Problem(module_path, 1, "module.md is missing"))
    else:
        text = _decode(source, f"{folder}/module.md", problems)
        fm = _front_matter(text, module_path, problems) if text is not None else None
        if fm is not None:
            problems.extend(_check_keys(fm, MODULE_KEYS, ("title",), module_path))
            module.title = _text(fm, "title", module_path, problems) or ""
            module.title_en = _text(fm, "title_en", module_path, problems)
            module.overview_md = fm.body
    lesson_numbers: dict[str, str] = {}
    for name in sorted(files):
        if name == "module.md":
            continue
        lesson_path = f"{source.root}/{folder}/{name}"
        match = NUMBERED.fullmatch(name[:-3])
        if not match:
            problems.append(Problem(lesson_path, 1, "lesson files are named NN-<slug>.md "
                                    "(two digits, lower-case letters, digits and hyphens)"))
            continue
        lnumber, lslug = match.groups()
        if lnumber in lesson_numbers:
            problems.append(Problem(lesson_path, 1, f"two lessons are numbered {lnumber} in {folder}"))
        lesson_numbers[lnumber] = name
        if lslug in lesson_slugs:
            problems.append(Problem(lesson_path, 1, f"duplicate lesson slug '{lslug}' (also {lesson_slugs[lslug]})"))
            continue
        lesson_slugs[lslug] = f"{folder}/{name}"
        lesson = _parse_lesson(source, folder, mslug, lslug, name, problems)
        if lesson is not None:
            module.lessons.append(lesson)
    return module


def _whole_number(fm: FrontMatter, key: str, default: int, path: str, problems: list[Problem]) -> int:
    value = fm.meta.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        problems.append(Problem(path, fm.line_of(key), f"'{key}' must be a whole number ≥ 0"))
        return default
    return value


def _parse_lesson(source: CourseSource, folder: str, mslug: str, lslug: str, name: str,
                  problems: list[Problem]) -> LessonSpec | None:
    """One lesson file: its front matter and Markdown body (None when it cannot be read)."""
    lesson_path = f"{source.root}/{folder}/{name}"
    text = _decode(source, f"{folder}/{name}", problems)
    fm = _front_matter(text, lesson_path, problems) if text is not None else None
    if fm is None:
        return None
    problems.extend(_check_keys(fm, LESSON_KEYS, ("title",), lesson_path))
    required = fm.meta.get("required", True)
    if not isinstance(required, bool):
        problems.append(Problem(lesson_path, fm.line_of("required"), "'required' must be true or false"))
        required = True
    return LessonSpec(
        slug=lslug, key=f"{mslug}/{lslug}", path=lesson_path,
        title=_text(fm, "title", lesson_path, problems) or "",
        title_en=_text(fm, "title_en", lesson_path, problems),
        minutes=_whole_number(fm, "minutes", 0, lesson_path, problems),
        required=required, body_md=fm.body,
        exercise_minutes=_whole_number(fm, "exercise_minutes", 0, lesson_path, problems),
        body_line=fm.body_line, folder=folder,
        audio_ref=_text(fm, "audio", lesson_path, problems), audio_line=fm.line_of("audio"),
    )


def _parse_assets(root: str, files: dict[str, bytes], problems: list[Problem]) -> list[AssetSpec]:
    """Images and documents beside the lessons: accepted types and sizes only."""
    assets: list[AssetSpec] = []
    total = 0
    for rel, data in sorted(files.items()):
        ext = posixpath.splitext(rel)[1].lower()
        if ext not in ASSET_TYPES:
            problems.append(Problem(f"{root}/{rel}", 1, f"files of type '{ext or rel}' are not accepted "
                                    f"(allowed: {', '.join(sorted(ASSET_TYPES))})"))
            continue
        if len(data) > MAX_ASSET_BYTES:
            problems.append(Problem(f"{root}/{rel}", 1, "the file is larger than 10 MB"))
            continue
        try:  # by content, as an upload is: a page named .jpg is refused
            media.check_file(rel, data)
        except media.MediaError as exc:
            problems.append(Problem(f"{root}/{rel}", 1, str(exc)))
            continue
        total += len(data)
        assets.append(AssetSpec(rel, ASSET_TYPES[ext], data, hashlib.sha256(data).hexdigest()))
    if total > MAX_COURSE_BYTES:
        problems.append(Problem(f"{root}/course.md", 1, "the course's files add up to more than 100 MB"))
    return assets


def _render(spec: CourseSpec, lesson_slugs: dict[str, str], problems: list[Problem]) -> None:
    """Check every relative link, then render the overview, module overviews and lessons."""
    resolver = LinkResolver(
        spec.slug,
        {normalized_key(v): k for k, v in lesson_slugs.items()},
        {normalized_key(a.path): a.path for a in spec.assets},
    )
    _check_links(resolver, "", spec.overview_md, f"{spec.root}/course.md", spec.body_line, problems)
    spec.overview_html = render_markdown(spec.overview_md, resolver.renderer(""))
    for module in spec.modules:
        module.overview_html = render_markdown(module.overview_md, resolver.renderer(module.folder))
        for lesson in module.lessons:
            _check_links(resolver, lesson.folder, lesson.body_md, lesson.path, lesson.body_line, problems)
            lesson.body_html = render_markdown(lesson.body_md, resolver.renderer(lesson.folder))
            lesson.content_hash = parts_hash(lesson.body_md.encode())
            if lesson.audio_ref:
                _resolve_audio(spec, resolver, lesson, problems)


def _resolve_audio(spec: CourseSpec, resolver: LinkResolver, lesson: LessonSpec, problems: list[Problem]) -> None:
    """The lesson's 'audio': a relative link to an MP3, Opus or M4A file of the course."""
    found = resolver.target(lesson.folder, lesson.audio_ref)
    data = {a.path: a.data for a in spec.assets}.get(found[1]) if found and found[0] == "asset" else None
    kind = media.sniff(data) if data is not None else None
    if kind not in media.AUDIO_KINDS:
        problems.append(Problem(lesson.path, lesson.audio_line,
                                f"'audio' must link to an MP3, Opus or M4A file of the course: {lesson.audio_ref}"))
        return
    lesson.audio_path = found[1]
    lesson.audio_seconds = media.audio_seconds(data, kind)


def _check_course(spec: CourseSpec, lesson_slugs: dict[str, str], problems: list[Problem]) -> None:
    """Checks that need the whole course: the completion rule's lessons exist, and there are lessons."""
    course_path = f"{spec.root}/course.md"
    rule = (spec.meta.get("completion") or {}).get("lessons")
    if isinstance(rule, list):
        for slug in rule:
            if slug not in lesson_slugs:
                problems.append(Problem(course_path, spec.meta_lines.get("completion", 1),
                                        f"completion lists lesson '{slug}', which does not exist"))
    if not spec.lessons and spec.readable:
        problems.append(Problem(course_path, 1, "the course has no lessons"))


def _check_links(resolver: LinkResolver, base_dir: str, text: str, path: str, first_line: int,
                 problems: list[Problem]) -> None:
    for line, url in find_links(text, first_line):
        if not is_relative_url(url):
            continue
        if resolver.target(base_dir, url) is None:
            problems.append(Problem(path, line, f"broken link: '{url}' does not lead to a lesson or file of this course"))


def _course_meta(fm: FrontMatter, path: str, problems: list[Problem]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    meta["title"] = _text(fm, "title", path, problems) or ""
    meta["title_en"] = _text(fm, "title_en", path, problems)
    meta["summary"] = _text(fm, "summary", path, problems, max_len=2000) or ""
    meta["summary_en"] = _text(fm, "summary_en", path, problems, max_len=2000)
    audience = fm.meta.get("audience")
    if audience is not None:
        if isinstance(audience, str):
            audience = [audience]
        if not isinstance(audience, list) or not audience:
            problems.append(Problem(path, fm.line_of("audience"), "'audience' must be a list of target groups"))
            audience = []
        for group in audience:
            if group not in TARGET_GROUPS:
                problems.append(Problem(path, fm.line_of("audience"),
                                        f"unknown audience '{group}' (known: {', '.join(TARGET_GROUPS)})"))
        meta["audience"] = [g for g in TARGET_GROUPS if g in audience]
    language = fm.meta.get("language", "vi")
    if language not in LANGUAGES:
        problems.append(Problem(path, fm.line_of("language"), f"unknown language '{language}' (use vi or en)"))
    meta["language"] = language if language in LANGUAGES else "vi"
    hours = fm.meta.get("hours", 0)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0 or hours > 1000:
        problems.append(Problem(path, fm.line_of("hours"), "'hours' must be a number of hours (0–1000)"))
        hours = 0
    meta["hours"] = float(hours)
    version = fm.meta.get("version", 1)
    meta["version"] = str(version)[:40]
    prereq = fm.meta.get("prerequisites") or []
    if isinstance(prereq, str):
        prereq = [prereq]
    if not isinstance(prereq, list) or not all(isinstance(p, str) and SLUG.fullmatch(p) for p in prereq):
        problems.append(Problem(path, fm.line_of("prerequisites"), "'prerequisites' must be a list of course slugs"))
        prereq = []
    meta["prerequisites"] = prereq
    completion = fm.meta.get("completion") or {}
    if not isinstance(completion, dict):
        problems.append(Problem(path, fm.line_of("completion"), "'completion' must be a mapping with 'lessons' and 'quizzes'"))
        completion = {}
    unknown = set(completion) - {"lessons", "quizzes"}
    for key in sorted(unknown):
        problems.append(Problem(path, fm.line_of("completion"), f"unknown key 'completion.{key}'"))
    lessons_rule = completion.get("lessons", "required")
    if not (lessons_rule in ("required", "all") or
            (isinstance(lessons_rule, list) and all(isinstance(s, str) for s in lessons_rule))):
        problems.append(Problem(path, fm.line_of("completion"),
                                "'completion.lessons' must be 'required', 'all' or a list of lesson slugs"))
        lessons_rule = "required"
    quizzes = completion.get("quizzes") or []
    if isinstance(quizzes, str):
        quizzes = [quizzes]
    if not isinstance(quizzes, list) or not all(isinstance(q, str) and SLUG.fullmatch(q) for q in quizzes):
        problems.append(Problem(path, fm.line_of("completion"), "'completion.quizzes' must be a list of quiz slugs"))
        quizzes = []
    meta["completion"] = {"lessons": lessons_rule, "quizzes": quizzes}
    for key in ("self_enrol", "published"):
        value = fm.meta.get(key, True)
        if not isinstance(value, bool):
            problems.append(Problem(path, fm.line_of(key), f"'{key}' must be true or false"))
            value = True
        meta[key] = value
    template = fm.meta.get("certificate_template")
    if template is not None and not (isinstance(template, str) and SLUG.fullmatch(template)):
        problems.append(Problem(path, fm.line_of("certificate_template"), "'certificate_template' must be a template name"))
        template = None
    meta["certificate_template"] = template
    meta["search_text"] = fold(" ".join(filter(None, [meta["title"], meta.get("title_en"), meta["summary"],
                                                      meta.get("summary_en")])))
    return meta


# --- checking against the database and other courses -----------------------------


def known_quiz_slugs(quizzes_dir: str | None, *, with_database: bool = True) -> set[str]:
    """Quiz slugs a course may require: quiz files in the quizzes folder and quizzes in the database."""
    slugs: set[str] = set()
    if quizzes_dir and Path(quizzes_dir).is_dir():
        for path in Path(quizzes_dir).iterdir():
            if path.suffix in QUIZ_SUFFIXES and path.stem.lower() != "readme":
                slugs.add(path.stem)
    for provider in quiz_slug_providers.functions() if with_database else ():
        slugs |= set(provider())
    return slugs


def cross_check(specs: list[CourseSpec], *, quizzes_dir: str | None, replace: bool) -> list[Problem]:
    from lms.catalog.models import Course
    from lms.core.db import has_tables
    from lms.extensions import db

    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.slug in seen:
            problems.append(Problem(f"{spec.root}/course.md", 1,
                                    f"duplicate course slug '{spec.slug}' (also {seen[spec.slug]})"))
        seen[spec.slug] = spec.root
    batch = {s.slug for s in specs}
    if all(spec.unchanged for spec in specs):
        return problems  # nothing parsed, nothing to check against the database
    # A database never migrated has no courses or quizzes: `import-courses --check` still
    # validates the files against each other and the quizzes folder.
    ready = has_tables(Course.__tablename__)
    existing = dict(db.session.execute(select(Course.slug, Course.edited_in_browser)).all()) if ready else {}
    quizzes = known_quiz_slugs(quizzes_dir, with_database=ready)
    for spec in specs:
        if spec.unchanged:
            continue
        path = f"{spec.root}/course.md"
        for slug in spec.meta.get("prerequisites", []):
            if slug == spec.slug:
                problems.append(Problem(path, spec.meta_lines.get("prerequisites", 1), "a course cannot be its own prerequisite"))
            elif slug not in batch and slug not in existing:
                problems.append(Problem(path, spec.meta_lines.get("prerequisites", 1), f"unknown prerequisite course '{slug}'"))
        for slug in spec.meta.get("completion", {}).get("quizzes", []):
            if slug not in quizzes:
                problems.append(Problem(path, spec.meta_lines.get("completion", 1), f"unknown quiz '{slug}' in completion"))
        if existing.get(spec.slug) and not replace:
            problems.append(Problem(path, 1, f"course '{spec.slug}' was changed in the browser since its last import; "
                                    "export it from the browser first, or import with --replace to overwrite it"))
    return problems


def load_specs(paths: list[Path], *, quizzes_dir: str | None, replace: bool,
               known_hashes: dict[str, str] | None = None, skip: set[str] | None = None,
               known_quizzes: dict[str, list[str]] | None = None) -> list[CourseSpec]:
    """Read, parse and check everything; raise ContentError with every problem found.

    ``known_hashes`` (slug → source hash at the last import) lets unchanged courses skip
    parsing; a course changed in the browser is never in it. ``known_quizzes`` (slug →
    the quizzes it required then) names the quiz files that hash covers. Courses whose
    slug is in ``skip`` are left out entirely.
    """
    sources = [source for source in collect_sources(paths) if source.slug not in (skip or set())]
    quiz_files = QuizFiles(quizzes_dir)
    problems: list[Problem] = []
    specs: list[CourseSpec] = []
    for source in sources:
        try:
            specs.append(parse_course(source, known_hash=(known_hashes or {}).get(source.slug),
                                      known_quizzes=(known_quizzes or {}).get(source.slug, ()),
                                      quiz_files=quiz_files))
        except ContentError as exc:
            problems.extend(exc.problems)
    problems.extend(cross_check(specs, quizzes_dir=quizzes_dir, replace=replace))
    if problems:
        raise ContentError(problems)
    for spec in specs:
        if not spec.unchanged:
            spec.estimate = estimate_study(spec, quizzes_dir)
    return specs


# --- honest hours -------------------------------------------------------------------


def word_count(markdown_text: str) -> int:
    """Words (Vietnamese syllables) a reader reads: markup, link targets and code left out."""
    return len(_MARKUP.sub(" ", markdown_text).split())


def quiz_minutes(slug: str, quizzes_dir: str | None) -> int:
    """The time limit of a required quiz from its YAML file (or the database), else a default."""
    if quizzes_dir:
        for ext in (".yaml", ".yml"):
            path = Path(quizzes_dir) / f"{slug}{ext}"
            if path.is_file():
                import yaml

                try:
                    data = yaml.safe_load(path.read_text("utf-8")) or {}
                except (yaml.YAMLError, UnicodeDecodeError):
                    data = {}
                limit = data.get("time_limit_minutes") if isinstance(data, dict) else None
                if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
                    return limit
                return DEFAULT_QUIZ_MINUTES
    return DEFAULT_QUIZ_MINUTES


def estimate_study(spec: CourseSpec, quizzes_dir: str | None) -> StudyEstimate:
    """Reading time of the required lessons at READING_WORDS_PER_MINUTE (the course
    overview included), the exercises the lessons declare, and the required quizzes."""
    required = [lesson for lesson in spec.lessons if lesson.required]
    words = word_count(spec.overview_md) + sum(word_count(lesson.body_md) for lesson in required)
    reading = math.ceil(words / READING_WORDS_PER_MINUTE) if words else 0
    exercises = sum(lesson.exercise_minutes for lesson in required)
    quizzes = sum(quiz_minutes(slug, quizzes_dir) for slug in spec.meta.get("completion", {}).get("quizzes", []))
    return StudyEstimate(reading=reading, exercises=exercises, quizzes=quizzes, words=words)


def hours_warnings(specs: list[CourseSpec]) -> list[Problem]:
    """Courses whose declared ``hours`` are more than HOURS_WARNING_RATIO × the estimate."""
    warnings: list[Problem] = []
    for spec in specs:
        if spec.estimate is None or not spec.meta.get("hours"):
            continue
        declared = spec.meta["hours"]
        estimate = spec.estimate
        if estimate.total and declared * 60 > HOURS_WARNING_RATIO * estimate.total:
            warnings.append(Problem(
                f"{spec.root}/course.md", spec.meta_lines.get("hours", 1),
                f"warning: 'hours: {declared:g}' is more than {HOURS_WARNING_RATIO:g}× the estimated online "
                f"study time of {estimate.hours:.1f} h (reading {estimate.reading} min at "
                f"{READING_WORDS_PER_MINUTE} words a minute, exercises {estimate.exercises} min, "
                f"quizzes {estimate.quizzes} min); state the contact hours of a class separately",
            ))
    return warnings

