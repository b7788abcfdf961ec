"""Similar-case lookup: when a concern is entered, the open cases most like it, so that staff can merge duplicates.

The index is an inverted index of character bigrams in the database (no in-process state, so any app server
answers the same): `CaseTerm` holds one posting per distinct bigram of a case, `TermCount` each bigram's document
frequency. Chinese has no spaces, and a reworded concern keeps most of its two-character pieces (路灯, 村前, 前路)
while a word segmenter would split the rewording differently; bigrams need no dictionary and match typos partly.

A lookup reads the frequencies of the text's bigrams (one indexed query), gathers the 50 cases that share the most
of its rarest ones (place names and details, not 希望 or 解决) with their text (a second query, which reads the
postings' index only), and re-ranks them by the idf-weighted cosine of their full text. Same community first
among near-equal scores. Two queries in all; over a million cases well under 50 ms (benchmarks/similar_cases.py).

Keeping it current is the case services' part, in the transaction that changes the case:
`similar_index_add(case)` after intake and after any change of its text or of its state (it diffs against what
is indexed, so calling it when nothing changed costs one read); `similar_index_remove(case)` before a case is
deleted. A case that leaves the open states stays in the index with its postings marked closed, so that a lookup
among open cases never gathers it and a lookup of all cases still finds it.
"""

import math
import re
import statistics
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count

from banyan.cases.models import OPEN_STATES, Case, CaseTerm, TermCount

# A case's text is at most 5000 characters; a longer query text is cut there rather than refused.
MAX_CHARS = 5000
# Candidates are gathered by the rarest bigrams of the text only: rare ones tell cases apart, and each common one
# (小区, 解决) would add tens of thousands of postings to read.
GATHER_TERMS = 32
# Postings a lookup may read to gather candidates; the rarest terms are taken until this is spent (the rarest
# one always). Keeps a lookup of a vague text ("路灯坏了") as quick as one of a specific text.
GATHER_POSTINGS = 10_000
# Cases re-ranked on their full text.
CANDIDATES = 50
# Same community first among near-equal scores: a case of the same community ranks as if it scored this much more.
SAME_COMMUNITY_BONUS = 0.05
# TermCount's row for the number of indexed cases: no bigram codes to 0 (see `_code`).
DOCS = 0
# Rows per statement: under SQLite's limit on parameters, and small enough for PostgreSQL's plans.
BATCH = 900
OFFSET = 0x80000000
SEPARATORS = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Similar:
    case_id: int
    score: float  # 0..1, the idf-weighted cosine of the two texts' bigrams
    same_community: bool = False


# ---------------------------------------------------------------------------------------------------------------
# Terms.


def _runs(text: str) -> list[str]:
    """The text's runs of letters and digits, normalised: full-width to half-width, lower case (NFKC); spaces,
    punctuation and symbols separate runs, so that a reordered clause does not make bigrams across its edges."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower()
    return [run for run in SEPARATORS.split(text) if len(run) > 1]


def _code(a: str, b: str) -> int:
    """A bigram as a signed 32-bit integer: exact for two characters of the Basic Multilingual Plane (all common
    Chinese), a checksum for the rare others. Never 0: a BMP code is 0 only for (U+8000, U+0000), and NUL is no
    letter."""
    x, y = ord(a), ord(b)
    if x <= 0xFFFF and y <= 0xFFFF:
        return ((x << 16) | y) - OFFSET
    return (zlib.crc32((a + b).encode()) - OFFSET) or 1


def terms(text: str) -> set[int]:
    """The distinct bigram codes of a text."""
    found = set()
    for run in _runs(text or ""):
        found.update(map(_code, run, run[1:]))
    return found


def case_text(title: str, description: str) -> str:
    return f"{title}\n{description}" if title else description


def _is_open(state: str) -> bool:
    return state in OPEN_STATES


# ---------------------------------------------------------------------------------------------------------------
# Keeping the index.


def _chunks(items, size: int = BATCH):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _count(deltas: dict[int, int]) -> None:
    """Add to the document frequencies, in term order: concurrent writers lock the rows they share in the same
    order, so they wait for each other but never deadlock."""
    table = TermCount._meta.db_table
    changes = sorted((term, n) for term, n in deltas.items() if n)
    with connection.cursor() as cursor:
        for chunk in _chunks(changes):
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(f"INSERT INTO {table} (term, n) VALUES {values} "
                           f"ON CONFLICT (term) DO UPDATE SET n = {table}.n + excluded.n",
                           [value for row in chunk for value in row])


@transaction.atomic
def similar_index_add(case: Case) -> None:
    """Index a case as it is now: its text, and whether it is open. Idempotent: it writes only what differs from
    what is indexed, so it may follow any change of the case."""
    new = terms(case_text(case.title, case.description))
    is_open = _is_open(case.state)
    postings = CaseTerm.objects.filter(case_id=case.pk)
    old = dict(postings.values_list("term", "is_open"))
    gone, added = old.keys() - new, new - old.keys()
    for chunk in _chunks(gone):
        postings.filter(term__in=chunk).delete()
    if any(flag != is_open for term, flag in old.items() if term in new):
        postings.exclude(is_open=is_open).update(is_open=is_open)
    CaseTerm.objects.bulk_create([CaseTerm(term=term, is_open=is_open, case_id=case.pk) for term in added],
                                 batch_size=BATCH)
    deltas = {term: -1 for term in gone} | {term: 1 for term in added}
    deltas[DOCS] = bool(new) - bool(old)
    _count(deltas)


@transaction.atomic
def similar_index_remove(case: Case) -> None:
    """Take a case out of the index (before deleting it: a cascade would leave its terms counted)."""
    postings = CaseTerm.objects.filter(case_id=case.pk)
    old = list(postings.values_list("term", flat=True))
    postings.delete()
    deltas = dict.fromkeys(old, -1)
    deltas[DOCS] = -1 if old else 0
    _count(deltas)


def _postings(rows) -> tuple[list, Counter]:
    """(term, is_open, case_id) for cases given as (id, title, description, state), and their frequencies."""
    out, counts = [], Counter()
    for case_id, title, description, state in rows:
        found = terms(case_text(title, description))
        is_open = _is_open(state)
        out.extend((term, is_open, case_id) for term in found)
        counts.update(found)
        counts[DOCS] += bool(found)
    return out, counts


def _copy_postings(cursor, postings) -> None:
    """COPY on PostgreSQL: a tenth of the time of INSERTs for millions of rows."""
    with cursor.copy(f"COPY {CaseTerm._meta.db_table} (term, is_open, case_id) FROM STDIN") as copy:
        for chunk in _chunks(postings, 50_000):
            copy.write("".join(f"{term}\t{'t' if is_open else 'f'}\t{case_id}\n" for term, is_open, case_id in chunk))


def _postgres_indexes_dropped(cursor) -> list[str]:
    """Drop the postings' key and indexes, returning the statements that make them again: building an index once
    over all rows is many times quicker than growing it row by row."""
    table = CaseTerm._meta.db_table
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype = 'p'", [table])
    keys = cursor.fetchall()
    cursor.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
                   "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.conrelid = %s::regclass)",
                   [table, table])
    indexes = cursor.fetchall()
    again = []
    for name, definition in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
        again.append(definition)
    return again


@transaction.atomic
def similar_index_rebuild(queryset=None, *, chunk: int = 20_000, progress=None) -> int:
    """Index many cases at once: the demo's, an import's, or all of them (queryset None: the index is made
    afresh). Returns the number of cases read. `progress(done)` is called after each chunk."""
    if queryset is not None:
        done = 0
        for case in queryset.only("pk", "title", "description", "state").iterator(chunk_size=chunk):
            similar_index_add(case)
            done += 1
        return done
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            # Takes the tables for the rebuild's length (as TRUNCATE would anyway); lookups wait for it.
            cursor.execute(f"TRUNCATE {CaseTerm._meta.db_table}, {TermCount._meta.db_table}")
            again = _postgres_indexes_dropped(cursor)
        else:
            CaseTerm.objects.all().delete()
            TermCount.objects.all().delete()
        counts, done, last = Counter(), 0, 0
        while True:
            rows = list(Case.objects.filter(pk__gt=last).order_by("pk")
                        .values_list("pk", "title", "description", "state")[:chunk])
            if not rows:
                break
            postings, found = _postings(rows)
            counts.update(found)
            if postgres:
                _copy_postings(cursor.cursor, postings)
            else:
                CaseTerm.objects.bulk_create([CaseTerm(term=t, is_open=o, case_id=c) for t, o, c in postings],
                                             batch_size=BATCH)
            done, last = done + len(rows), rows[-1][0]
            if progress:
                progress(done)
        if postgres:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for statement in again:
                cursor.execute(statement)
        TermCount.objects.bulk_create([TermCount(term=term, n=n) for term, n in counts.items()], batch_size=10_000)
    return done


# ---------------------------------------------------------------------------------------------------------------
# Lookup.


def _frequencies(codes) -> dict[int, int]:
    if connection.vendor == "postgresql":
        # One array parameter: a statement with thousands of placeholders costs more to build than to run.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT term, n FROM {TermCount._meta.db_table} WHERE term = ANY(%s)", [list(codes)])
            return dict(cursor.fetchall())
    found = {}
    for chunk in _chunks(codes):
        found.update(TermCount.objects.filter(term__in=chunk).values_list("term", "n"))
    return found


def _gathering(query: set[int], df: dict[int, int]) -> list[int]:
    """The rarest terms of the text that any case has, while their postings stay within the budget."""
    chosen, spent = [], 0
    for term in sorted((t for t in query if df.get(t, 0) > 0), key=lambda t: (df[t], t))[:GATHER_TERMS]:
        if chosen and spent + df[term] > GATHER_POSTINGS:
            break
        chosen.append(term)
        spent += df[term]
    return chosen


def _candidates(chosen: list[int], *, open_only: bool, exclude_id: int | None):
    """The cases sharing the most of the chosen terms, from the index alone (a subquery: one round trip)."""
    postings = CaseTerm.objects.filter(term__in=chosen)
    if open_only:
        postings = postings.filter(is_open=True)
    if exclude_id is not None:
        postings = postings.exclude(case_id=exclude_id)
    ranked = postings.values("case_id").annotate(hits=Count("*")).order_by("-hits", "-case_id")
    return ranked.values("case_id")[:CANDIDATES]


def _idf(n: int, docs: int) -> float:
    return math.log(1 + docs / max(n, 1))


def similar_cases(text: str, *, community_id: int | None = None, exclude_id: int | None = None, limit: int = 5,
                  open_only: bool = True) -> list[Similar]:
    """The cases most like `text`, best first: open ones only unless `open_only` is False, never `exclude_id`
    (the case being entered). Scores are 0..1; a text with no two adjacent letters finds nothing."""
    query = terms(text)
    if not query or limit <= 0:
        return []
    df = _frequencies([DOCS, *query])
    docs = df.pop(DOCS, 0)
    chosen = _gathering(query, df)
    if not chosen:
        return []
    rows = Case.objects.filter(pk__in=_candidates(chosen, open_only=open_only, exclude_id=exclude_id)).order_by() \
        .values_list("pk", "title", "description", "community_id", "state")
    weight = {term: _idf(df.get(term, 0), docs) ** 2 for term in query}
    query_norm = math.sqrt(sum(weight.values()))
    # A candidate's own terms that the text lacks count as a typical term of the text: reading their frequencies
    # too would double a lookup's time, for scores that differ little.
    typical = statistics.median(weight.values())
    scored = []
    for pk, title, description, community, state in rows:
        if open_only and not _is_open(state):
            continue
        own = terms(case_text(title, description))
        shared = query & own
        common = sum(weight[term] for term in shared)
        score = common / (query_norm * math.sqrt(common + typical * len(own - shared)) or 1)
        same = community_id is not None and community == community_id
        scored.append(Similar(pk, round(score, 4), same))
    scored.sort(key=lambda s: (s.score + (SAME_COMMUNITY_BONUS if s.same_community else 0), s.case_id),
                reverse=True)
    return scored[:limit]
