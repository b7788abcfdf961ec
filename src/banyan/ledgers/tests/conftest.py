import tempfile

import pytest


@pytest.fixture(autouse=True)
def _temporary_files_in_tmp_path(tmp_path, monkeypatch):
    # Refused-rows files that tests get back stay in the test's own folder, which pytest cleans.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
