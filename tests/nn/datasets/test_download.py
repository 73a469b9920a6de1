"""fetch_mnist / mnist(download=True) against a local server that misbehaves on request."""

import gzip
import hashlib
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from mnist_fakes import FILES, N

import scratchgrad
from scratchgrad import nn
from scratchgrad.nn.datasets import DownloadError, download, fetch_mnist, timed_http

SHARED = Path("/work/shared/data/mnist")
PUBLISHED_MIRRORS = download.MIRRORS  # before conftest's no_real_mirrors replaces them


@pytest.fixture
def small_budget(monkeypatch):
    """Each file gets 0.4 s from connecting (a fast mirror needs a few ms); the tests'
    read timeout, 0.2 s, is shorter, so a silent server times out first."""
    monkeypatch.setattr(download, "DEADLINE", 0.4)
    monkeypatch.setattr(download, "MIN_RATE", 10**9)


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name not in FILES)


def intact(folder, checksums):
    return all(
        hashlib.md5((folder / name).read_bytes()).hexdigest() == md5
        for name, md5 in checksums.items()
    )


def test_defaults_are_the_published_mirrors_and_checksums():
    assert set(download.CHECKSUMS) == set(FILES) == set(download.CONTENT_CHECKSUMS)
    assert download.CHECKSUMS["train-images-idx3-ubyte.gz"] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert (
        download.CONTENT_CHECKSUMS["train-images-idx3-ubyte.gz"]
        == "6bbc9ace898e44ae57da46a324031adb"
    )
    assert all(m.startswith("https://") and m.endswith("/") for m in PUBLISHED_MIRRORS)
    assert issubclass(DownloadError, OSError)


def test_download_then_nothing_fetched_again(tmp_path, checksums, server):
    root = tmp_path / "data" / "mnist"  # created on demand
    paths = fetch_mnist(root, mirrors=[server.url("good")], checksums=checksums, timeout=2)
    assert [p.name for p in paths] == list(checksums) and len(server.requests) == 4
    assert intact(root, checksums) and leftovers(root) == []
    X, y = nn.datasets.mnist(root, "test")
    assert X.shape == (N, 784) and y.shape == (N,)
    fetch_mnist(root, mirrors=[server.url("good")], checksums=checksums, timeout=2)
    assert len(server.requests) == 4


# --- every kind of failure moves on to the next mirror ------------------------------------

FAILURES = {  # behaviour: (what the error names, times the bad mirror is asked)
    "bad-status": ("BadStatusLine", 4),
    "long-status": ("LineTooLong: got more than 65536 bytes when reading status line", 4),
    "huge-header": ("LineTooLong: got more than 65536 bytes when reading header line", 4),
    "many-headers": ("got more than 100 headers", 4),
    "cut-chunked": ("IncompleteRead", 4),
    "cut-length": ("connection closed after", 4),
    "reset": ("ConnectionResetError", 4),
    "wrong-checksum": ("checksum mismatch (MD5 ", 4),
    "too-long": ("more than 20000 bytes sent", 4),
    "too-long-announced": ("1000000000 bytes announced, more than 20000", 4),
    "silent": ("TimeoutError: timed out", 1),  # a mirror that times out is not asked again
    "trickle-body": ("too slow: ", 1),
    "trickle-headers": ("too slow: ", 1),
}


@pytest.mark.parametrize("behaviour", FAILURES)
def test_a_failing_mirror_is_skipped_for_the_next(
    tmp_path, checksums, server, small_budget, monkeypatch, behaviour
):
    monkeypatch.setattr(download, "MAX_DOWNLOAD_BYTES", 20_000)  # files here are ~4 KB
    root = tmp_path / "mnist"
    fetch_mnist(
        root, mirrors=[server.url(behaviour), server.url("good")], checksums=checksums, timeout=0.2
    )
    assert intact(root, checksums) and leftovers(root) == []
    assert server.asked(behaviour) == FAILURES[behaviour][1]
    assert server.asked("good") == 4


@pytest.mark.parametrize("behaviour", FAILURES)
def test_a_failing_mirror_is_named_in_one_line(
    tmp_path, checksums, server, small_budget, monkeypatch, behaviour
):
    monkeypatch.setattr(download, "MAX_DOWNLOAD_BYTES", 20_000)
    root = tmp_path / "mnist"
    with pytest.raises(DownloadError) as err:
        fetch_mnist(root, mirrors=[server.url(behaviour)], checksums=checksums, timeout=0.2)
    message = str(err.value)
    assert "\n" not in message and len(message) < 1000
    assert FAILURES[behaviour][0] in message
    assert ", ".join(FILES) + f" still missing from {root}" in message
    assert leftovers(root) == []


def test_tls_error_moves_on(tmp_path, checksums, server):
    """https:// to a server that answers in plain text: the TLS handshake fails."""
    plain = server.url("good")
    fetch_mnist(
        tmp_path,
        mirrors=[plain.replace("http://", "https://"), plain],
        checksums=checksums,
        timeout=2,
    )
    assert intact(tmp_path, checksums)
    assert server.requests.count("<tls>") == 1  # unreachable: asked once
    with pytest.raises(DownloadError, match=r"unreachable: .*SSL"):
        fetch_mnist(
            tmp_path / "b",
            mirrors=[plain.replace("http://", "https://")],
            checksums=checksums,
            timeout=2,
        )


def test_trickled_file_fails_at_its_deadline_not_at_the_read_timeout(
    tmp_path, checksums, server, small_budget
):
    """Every read returns within the read timeout; only the deadline can stop it."""
    with pytest.raises(DownloadError) as err:
        fetch_mnist(tmp_path, mirrors=[server.url("trickle-body")], checksums=checksums, timeout=5)
    assert "too slow: " in str(err.value)
    assert "max(0.4 s, size / 1,000,000,000 bytes/s)" in str(err.value)


@pytest.mark.parametrize("behaviour", ["continue-flood", "trailer-flood"])
def test_protocol_bytes_buy_no_time(tmp_path, checksums, server, monkeypatch, behaviour):
    """A mirror flooding '100 Continue' lines or chunked trailers (never body bytes) is
    stopped at the deadline: only body bytes earn more time."""
    monkeypatch.setattr(download, "DEADLINE", 0.4)
    monkeypatch.setattr(download, "MIN_RATE", 1000)  # 1 KB of body buys a second
    start = time.monotonic()
    with pytest.raises(DownloadError, match="too slow"):
        fetch_mnist(tmp_path, mirrors=[server.url(behaviour)], checksums=checksums, timeout=5)
    assert time.monotonic() - start < 5  # 4 files x 0.4 s, not the flood's 10 s each


def test_a_redirect_to_ftp_is_refused_and_the_next_mirror_used(tmp_path, checksums, server):
    """urllib follows redirects to ftp://, where no time budget applies: refused."""
    fetch_mnist(
        tmp_path,
        mirrors=[server.url("ftp-redirect"), server.url("good")],
        checksums=checksums,
        timeout=2,
    )
    assert intact(tmp_path, checksums)
    with pytest.raises(ValueError, match="ftp"):
        fetch_mnist(tmp_path / "b", mirrors=["ftp://127.0.0.1:9/"], checksums=checksums)


def test_a_damaged_raw_file_is_set_aside_once_the_good_one_is_fetched(
    tmp_path, site, checksums, server, monkeypatch
):
    """A truncated raw `t10k-images-idx3-ubyte` is replaced by the fetched .gz for good:
    kept as `.damaged` (never deleted), so the next read finds the intact file."""
    monkeypatch.setattr(download, "CHECKSUMS", checksums)
    raw = tmp_path / "t10k-images-idx3-ubyte"
    raw.write_bytes(gzip.decompress(site["t10k-images-idx3-ubyte.gz"])[:1000])
    first = nn.datasets.mnist(tmp_path, kind="test", download=True, mirrors=[server.url("good")])
    again = nn.datasets.mnist(tmp_path, kind="test")
    np.testing.assert_array_equal(first[0], again[0])
    assert (tmp_path / "t10k-images-idx3-ubyte.damaged").stat().st_size == 1000


def test_deadline_grows_with_the_bytes_received():
    budget = timed_http.Budget(timeout=10, deadline=60, min_rate=50_000)
    assert budget.wait() == 10  # the read timeout
    budget.start -= 100  # 100 s later ...
    with pytest.raises(TimeoutError, match="too slow: 0 bytes in 100"):
        budget.wait()
    budget.count(10_000_000)  # ... 10 MB of body: 200 s allowed
    assert budget.wait() == 10
    budget.start -= 99.5
    assert budget.wait() == pytest.approx(0.5, abs=0.1)  # a read may not outlast it


def test_settings_are_read_at_call_time(tmp_path, checksums, server, monkeypatch):
    """fetch_mnist's defaults are the module's settings when it is called."""
    calls = []
    real = download._download
    monkeypatch.setattr(
        download,
        "_download",
        lambda url, handle, md5, content, timeout: (
            calls.append(timeout) or real(url, handle, md5, content, timeout)
        ),
    )
    monkeypatch.setattr(download, "TIMEOUT", 3.5)
    monkeypatch.setattr(download, "MIRRORS", (server.url("good"),))
    fetch_mnist(tmp_path, checksums=checksums)
    assert calls == [3.5] * 4 and intact(tmp_path, checksums)


def test_first_mirror_404_then_second_works(tmp_path, checksums, server):
    fetch_mnist(
        tmp_path,
        mirrors=[server.url("missing"), server.url("good").rstrip("/")],
        checksums=checksums,
        timeout=2,
    )
    assert intact(tmp_path, checksums)
    assert server.requests[:2] == ["/missing/" + FILES[0], "/good/" + FILES[0]]
    assert len(server.requests) == 8  # a 404 mirror is asked for each file


def test_offline_is_one_line(tmp_path, closed_port_url):
    other = closed_port_url.replace("/mnist/", "/other/")
    root = tmp_path / "mnist"
    with pytest.raises(DownloadError) as err:
        fetch_mnist(root, mirrors=[closed_port_url, other], timeout=1)
    message = str(err.value)
    assert "\n" not in message
    assert ", ".join(FILES) + f" still missing from {root}" in message
    assert f"tried {closed_port_url} (unreachable: " in message and other in message
    assert f"by hand (e.g. {closed_port_url}{FILES[0]})" in message
    assert message.endswith(f"put them, still gzipped, in {root}")
    assert err.value.reason.startswith("127.0.0.1:") and "unreachable" in err.value.reason
    assert leftovers(root) == []


def test_wrong_checksum_keeps_the_good_files(tmp_path, checksums, server):
    wrong = dict(checksums, **{FILES[0]: "0" * 32})
    with pytest.raises(DownloadError) as err:
        fetch_mnist(tmp_path, mirrors=[server.url("good")], checksums=wrong, timeout=2)
    assert f"checksum mismatch (MD5 {checksums[FILES[0]]}, expected {'0' * 32}" in str(err.value)
    assert not (tmp_path / FILES[0]).exists() and leftovers(tmp_path) == []
    assert all((tmp_path / name).is_file() for name in FILES[1:])


# --- checksums: the .gz, or its content -----------------------------------------------------


def test_a_regzipped_file_passes_by_its_content(tmp_path, site, checksums, server):
    """A mirror (or folder) may hold the same IDX data gzipped differently."""
    import gzip

    content = {name: hashlib.md5(gzip.decompress(data)).hexdigest() for name, data in site.items()}
    regzipped = {
        name: gzip.compress(gzip.decompress(data), 1, mtime=1) for name, data in site.items()
    }
    assert regzipped != site
    server.files = regzipped
    fetch_mnist(
        tmp_path,
        mirrors=[server.url("good")],
        checksums=checksums,
        content_checksums=content,
        timeout=2,
    )
    assert all((tmp_path / name).read_bytes() == regzipped[name] for name in FILES)
    fetch_mnist(
        tmp_path,
        mirrors=[server.url("good")],
        checksums=checksums,
        content_checksums=content,
        timeout=2,
    )
    assert len(server.requests) == 4  # accepted as it is


@pytest.mark.skipif(not SHARED.is_dir(), reason="no shared MNIST folder here")
def test_the_shared_regzipped_folder_is_accepted_as_it_is(monkeypatch):
    def no_writes(*args):
        raise AssertionError("tried to write into the shared folder")

    monkeypatch.setattr(download, "_prepare", no_writes)
    monkeypatch.setattr(download, "_create_part", no_writes)
    before = {p.name: p.stat().st_mtime_ns for p in SHARED.iterdir()}
    assert (
        download.CHECKSUMS[FILES[0]] != hashlib.md5((SHARED / FILES[0]).read_bytes()).hexdigest()
    )  # really re-gzipped
    assert fetch_mnist(SHARED) == [SHARED / name for name in FILES]
    X, y = nn.datasets.mnist(SHARED, "test", download=True)
    assert X.shape == (10_000, 784)
    assert list(map(int, (y[:, None] == range(10)).sum(0))) == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]  # from its README
    assert {p.name: p.stat().st_mtime_ns for p in SHARED.iterdir()} == before


def test_an_intact_read_only_folder_is_never_written(tmp_path, site, checksums, monkeypatch):
    for name, data in site.items():
        (tmp_path / name).write_bytes(data)
        (tmp_path / name).chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        monkeypatch.setattr(download, "_prepare", pytest.fail)
        monkeypatch.setattr(download, "CHECKSUMS", checksums)
        assert fetch_mnist(tmp_path, mirrors=["http://127.0.0.1:9/"]) == [
            tmp_path / name for name in FILES
        ]
        X, y = nn.datasets.mnist(tmp_path, "train", download=True)
        assert X.shape == (N, 784)
    finally:
        tmp_path.chmod(0o755)


# --- files on disk: repair, modes, leftovers ---------------------------------------------


@pytest.mark.parametrize(
    "damage", [lambda b: b[: len(b) // 2], lambda b: b"", lambda b: bytes([b[0] ^ 0xFF]) + b[1:]]
)
def test_a_damaged_file_is_fetched_again(tmp_path, checksums, server, monkeypatch, damage):
    monkeypatch.setattr(download, "MIRRORS", (server.url("good"),))
    monkeypatch.setattr(download, "CHECKSUMS", checksums)
    fetch_mnist(tmp_path)
    path = tmp_path / FILES[3]
    path.write_bytes(damage(path.read_bytes()))
    X, y = nn.datasets.mnist(tmp_path, "test", download=True)  # checks, then repairs
    assert server.requests[4:] == ["/good/" + FILES[3]] and y.shape == (N,)
    assert intact(tmp_path, checksums) and leftovers(tmp_path) == []


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_downloaded_files_get_the_umask_mode(tmp_path, checksums, server, umask, mask, mode):
    umask(mask)
    fetch_mnist(tmp_path, mirrors=[server.url("good")], checksums=checksums, timeout=2)
    assert {stat.S_IMODE((tmp_path / name).stat().st_mode) for name in FILES} == {mode}


def test_parts_of_dead_downloads_are_removed_and_nothing_else(tmp_path, checksums, server):
    dead = _a_dead_pid()
    stale = tmp_path / f".{FILES[0]}.{dead}.0123abcd.part"
    alive = tmp_path / f".{FILES[1]}.{os.getpid()}.0123abcd.part"  # a download running
    others = [
        tmp_path / name
        for name in (
            "notes.part",
            f".{FILES[0]}.part",
            f".other.gz.{dead}.0123abcd.part",
            f"{FILES[0]}.{dead}.0123abcd.part",
            "keep.txt",
        )
    ]
    for path in (stale, alive, *others):
        path.write_bytes(b"x")
    fetch_mnist(tmp_path, mirrors=[server.url("good")], checksums=checksums, timeout=2)
    assert not stale.exists() and alive.exists() and all(p.exists() for p in others)


def _a_dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_killed_download_is_cleaned_up_by_the_next(tmp_path, checksums, server):
    """Kill a real download mid-file (SIGKILL: no cleanup), then download again."""
    script = (
        "import sys; from scratchgrad.nn.datasets import download; "
        "download.DEADLINE = 60; "
        "download.fetch_mnist(sys.argv[1], mirrors=[sys.argv[2]], "
        "checksums={sys.argv[3]: '0' * 32}, timeout=30)"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(scratchgrad.__file__).parents[1]))
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path), server.url("trickle-body"), FILES[0]], env=env
    )
    try:
        for _ in range(1000):  # until it is receiving (~1 s)
            if server.asked("trickle-body") and list(tmp_path.glob("*.part")):
                break
            time.sleep(0.01)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert [p.name.split(".")[1:3] for p in tmp_path.glob("*.part")] == [
        [FILES[0].split(".")[0], "gz"]
    ]
    fetch_mnist(tmp_path, mirrors=[server.url("good")], checksums=checksums, timeout=2)
    assert leftovers(tmp_path) == [] and intact(tmp_path, checksums)


# --- progress, arguments, mnist() ------------------------------------------------------------


@pytest.mark.parametrize("show", [True, False])
def test_progress_bar_on_stderr(tmp_path, checksums, server, monkeypatch, capsys, show):
    monkeypatch.setattr(download, "PROGRESS", show)
    fetch_mnist(tmp_path, mirrors=[server.url("good")], checksums=checksums, timeout=2)
    out, err = capsys.readouterr()
    assert out == ""
    assert (FILES[0] in err and "B/s" in err) is show


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"mirrors": "http://x/"}, TypeError, "list of base URLs, got the string"),
        ({"mirrors": ["example.com/mnist/"]}, ValueError, "'example.com/mnist/' is not a URL"),
        ({"timeout": 0}, ValueError, "timeout must be a positive number of seconds, got 0"),
        ({"timeout": "5"}, ValueError, "got '5'"),
        ({"timeout": float("nan")}, ValueError, "got nan"),
    ],
)
def test_bad_arguments_are_named(tmp_path, kwargs, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(")):
        fetch_mnist(tmp_path, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_mnist_checks_the_options_even_when_nothing_is_fetched(
    tmp_path, site, checksums, monkeypatch
):
    monkeypatch.setattr(download, "CHECKSUMS", checksums)
    for name, data in site.items():
        (tmp_path / name).write_bytes(data)
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        nn.datasets.mnist(tmp_path, download=True, timeout=-1)
    with pytest.raises(TypeError, match="list of base URLs"):
        nn.datasets.mnist(tmp_path, download=True, mirrors="http://127.0.0.1:9/")
    assert nn.datasets.mnist(tmp_path, download=True, timeout=1)[0].shape == (N, 784)


def test_a_folder_that_cannot_be_created_is_a_download_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(DownloadError, match="cannot create the folder"):
        fetch_mnist(tmp_path / "file" / "mnist", mirrors=["http://127.0.0.1:9/"])


def test_mnist_download_passes_mirrors_and_timeout(tmp_path, checksums, server, monkeypatch):
    monkeypatch.setattr(download, "CHECKSUMS", checksums)
    monkeypatch.setattr(download, "MIRRORS", ("http://127.0.0.1:9/never-used/",))
    root = tmp_path / "new" / "folder"
    X, y = nn.datasets.mnist(root, download=True, mirrors=[server.url("good")], timeout=2)
    assert X.shape == (N, 784) and sorted(server.requests) == [
        "/good/train-images-idx3-ubyte.gz",
        "/good/train-labels-idx1-ubyte.gz",
    ]
    nn.datasets.mnist(root, "test", download=True, mirrors=[server.url("good")])
    nn.datasets.mnist(root, "test", download=True, mirrors=[server.url("good")])
    assert len(server.requests) == 4  # present and intact: no request


def test_mnist_download_uses_the_default_root(tmp_path, checksums, server, monkeypatch):
    monkeypatch.setenv("SCRATCHGRAD_MNIST", str(tmp_path / "env"))
    monkeypatch.setattr(download, "CHECKSUMS", checksums)
    monkeypatch.setattr(download, "MIRRORS", (server.url("good"),))
    nn.datasets.mnist(kind="test", download=True)
    assert intact(tmp_path / "env", {n: checksums[n] for n in FILES[2:]})


def test_mnist_download_offline_raises_download_error(tmp_path, closed_port_url, monkeypatch):
    monkeypatch.setattr(download, "MIRRORS", (closed_port_url,))
    with pytest.raises(DownloadError, match="still missing"):
        nn.datasets.mnist(tmp_path / "mnist", download=True)


def test_mnist_without_download_never_fetches(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "fetch_mnist", pytest.fail)
    monkeypatch.setattr(download, "_download", pytest.fail)
    with pytest.raises(FileNotFoundError, match="download=True"):
        nn.datasets.mnist(tmp_path)
