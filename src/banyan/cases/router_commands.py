"""What `banyan cases train-router` and `banyan cases evaluate-router` do; the CLI only parses arguments.

Both return a process exit code and print for a person at a terminal, except the last line of the evaluation,
`macro_f1=0.xxx`, which scripts read.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from banyan.cases.labelled import LabelledData, LabelledFileError, read_labelled
from banyan.cases.router import Router, evaluate, train_router

MODEL_FILE_NAME = "router.pkl"


def default_model_path() -> Path:
    # Imported here so this module can be imported (and tested) before Django is set up.
    from django.conf import settings

    return Path(settings.DATA_DIR) / MODEL_FILE_NAME


def train_router_command(
    file: str | Path,
    text_column: str,
    label_column: str,
    title_column: str | None = None,
    out: str | Path | None = None,
) -> int:
    data = _read_or_report(file, text_column, label_column, title_column)
    if data is None:
        return 1
    classes = sorted(set(data.labels))
    print(f"读取 {len(data)} 条留言，跳过 {data.skipped} 条空行，共 {len(classes)} 个类别：{'、'.join(classes)}")
    if len(classes) < 2:
        print("至少需要两个类别才能训练。", file=sys.stderr)
        return 1
    started = time.perf_counter()
    router = train_router(data.texts, data.labels, data.titles)
    seconds = time.perf_counter() - started
    path = Path(out) if out else default_model_path()
    router.save(path)
    print(f"训练用时 {seconds:.1f} 秒，模型已保存到 {path}")
    return 0


def cases_labelled() -> LabelledData:
    """The platform's own answered cases as training data: their text and title, labelled with the top-level
    class of the category staff confirmed (what they choose is the router's next lesson)."""
    from banyan.cases.models import Case, CaseState, Category

    roots = {}
    for pk, name, parent in Category.objects.values_list("pk", "name", "parent_id"):
        roots[pk] = (name, parent)

    def root(pk):
        name, parent = roots[pk]
        return root(parent) if parent else name

    rows = (Case.objects.filter(category__isnull=False, state__in=(CaseState.REPLIED, CaseState.FOLLOWED_UP,
                                                                  CaseState.CLOSED))
            .values_list("description", "title", "category_id").iterator(chunk_size=5000))
    texts, titles, labels = [], [], []
    for description, title, category in rows:
        texts.append(description)
        titles.append(title)
        labels.append(root(category))
    return LabelledData(texts=texts, labels=labels, titles=titles, skipped=0)


def train_router_from_cases(out: str | Path | None = None) -> int:
    data = cases_labelled()
    classes = sorted(set(data.labels))
    print(f"读取 {len(data)} 件已答复的诉求，共 {len(classes)} 个类别：{'、'.join(classes)}")
    if len(classes) < 2:
        print("至少需要两个类别才能训练。", file=sys.stderr)
        return 1
    started = time.perf_counter()
    router = train_router(data.texts, data.labels, data.titles)
    path = Path(out) if out else default_model_path()
    router.save(path)
    print(f"训练用时 {time.perf_counter() - started:.1f} 秒，模型已保存到 {path}")
    return 0


def evaluate_router_command(
    file: str | Path,
    text_column: str,
    label_column: str,
    title_column: str | None = None,
    model: str | Path | None = None,
) -> int:
    path = Path(model) if model else default_model_path()
    if not path.is_file():
        print(f"找不到模型文件 {path}，请先运行 banyan cases train-router", file=sys.stderr)
        return 1
    data = _read_or_report(file, text_column, label_column, title_column)
    if data is None:
        return 1
    if not data.texts:
        print("文件中没有可评估的留言。", file=sys.stderr)
        return 1
    router = Router.load(path)
    print(f"评估 {len(data)} 条留言（跳过 {data.skipped} 条空行），模型 {path}")
    print(f"单条建议耗时中位数 {_median_suggest_ms(router, data):.2f} 毫秒")
    for line in evaluate(router, data.texts, data.labels, data.titles).report():
        print(line)
    return 0


def _read_or_report(file, text_column, label_column, title_column) -> LabelledData | None:
    try:
        return read_labelled(file, text_column, label_column, title_column)
    except LabelledFileError as exc:
        print(str(exc), file=sys.stderr)
        return None


def _median_suggest_ms(router: Router, data: LabelledData) -> float:
    # One message at a time, as the web form asks; batch prediction would hide the per-call overhead.
    titles = data.titles or [""] * len(data.texts)
    timings = []
    for text, title in zip(data.texts, titles, strict=True):
        started = time.perf_counter()
        router.suggest(text, title)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)
