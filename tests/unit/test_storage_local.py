"""The local storage backend: whole-or-nothing writes, keys kept inside the folder."""

import hashlib

import pytest

from participa.storage import LocalStorage, check_key, open_storage


def test_write_streams_chunks_and_reports_size_and_hash(tmp_path):
    store = LocalStorage(tmp_path)
    stored = store.write("opendata/x/v1/a.csv", ["ñ,1\n", b"b,2\n"])
    body = "ñ,1\nb,2\n".encode()
    assert stored.bytes == len(body)
    assert stored.sha256 == hashlib.sha256(body).hexdigest()
    assert b"".join(store.read_chunks("opendata/x/v1/a.csv", size=3)) == body
    assert list(store.keys("opendata/x")) == ["opendata/x/v1/a.csv"]


def test_a_failed_write_leaves_the_previous_content(tmp_path):
    store = LocalStorage(tmp_path)
    store.write("photos/a.jpg", [b"old"])

    def broken():
        yield b"new"
        raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError):
        store.write("photos/a.jpg", broken())
    assert store.open("photos/a.jpg").read() == b"old"
    assert list(store.keys("photos")) == ["photos/a.jpg"]  # no temporary file left


def test_delete_prefix_and_missing_keys(tmp_path):
    store = LocalStorage(tmp_path)
    store.write("opendata/x/v1/a.csv", [b"1"])
    store.write("opendata/x/v2/a.csv", [b"2"])
    store.delete_prefix("opendata/x/v1")
    assert not store.exists("opendata/x/v1/a.csv")
    assert store.exists("opendata/x/v2/a.csv")
    store.delete("opendata/x/v1/a.csv")  # already gone: nothing happens
    with pytest.raises(FileNotFoundError):
        store.read_chunks("opendata/x/v1/a.csv")


@pytest.mark.parametrize("key", ["../secret_key", "/etc/passwd", "a/../../b", "a//b", "", "a/./b"])
def test_keys_outside_the_folder_are_refused(tmp_path, key):
    with pytest.raises(ValueError):
        check_key(key)
    with pytest.raises(ValueError):
        LocalStorage(tmp_path).write(key, [b"x"])


def test_the_setting_chooses_the_folder(tmp_path):
    assert isinstance(open_storage(None, str(tmp_path)), LocalStorage)
    chosen = open_storage(f"file://{tmp_path}/files", "/unused")
    assert isinstance(chosen, LocalStorage) and chosen.root == tmp_path / "files"
    with pytest.raises(ValueError, match="unknown kind"):
        open_storage("ftp://example/x", str(tmp_path))
