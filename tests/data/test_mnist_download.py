"""fetch_mnist / mnist(download=True) against a local HTTP server: never a real host."""
import functools
import gzip
import hashlib
import http.server
import socket
import threading
import time

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.nn.datasets import DownloadError, fetch_mnist
from scratchgrad.nn.datasets import download

N = 5
FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def idx_gz(array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


@pytest.fixture
def fixtures(tmp_path):
    """Five 28x28 images and five labels per split, served from tmp_path/site/good/."""
    good = tmp_path / "site" / "good"
    good.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in FILES:
        shape = (N, 28, 28) if "images" in name else (N,)
        high = 256 if "images" in name else 10
        (good / name).write_bytes(idx_gz(rng.integers(0, high, shape)))
    return {name: hashlib.md5((good / name).read_bytes()).hexdigest() for name in FILES}


@pytest.fixture(autouse=True)
def no_proxy_for_localhost(monkeypatch):
    """A proxy from the environment must never see these requests."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def server(tmp_path):
    """(base URL, list of requested paths) of a quiet local server on a free port."""
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    handler = functools.partial(Handler, directory=str(tmp_path / "site"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: connection refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name not in FILES)


def test_defaults_are_the_published_mirrors_and_checksums():
    assert set(download.CHECKSUMS) == set(FILES)
    assert download.CHECKSUMS["train-images-idx3-ubyte.gz"] == \
        "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert all(m.startswith("https://") and m.endswith("/") for m in download.MIRRORS)
    assert issubclass(DownloadError, OSError)


def test_download_then_cache(tmp_path, fixtures, server):
    base, requests = server
    root = tmp_path / "data" / "mnist"                 # created on demand
    paths = fetch_mnist(root, mirrors=[base + "good/"], checksums=fixtures, timeout=2)
    assert [p.name for p in paths] == list(fixtures) and len(requests) == 4
    assert leftovers(root) == []
    X, y = nn.datasets.mnist(root, "test")
    assert X.shape == (N, 784) and y.shape == (N,)
    fetch_mnist(root, mirrors=[base + "good/"], checksums=fixtures, timeout=2)
    assert len(requests) == 4                          # nothing fetched again


def test_a_damaged_cached_file_is_fetched_again(tmp_path, fixtures, server):
    base, requests = server
    root = tmp_path / "mnist"
    fetch_mnist(root, mirrors=[base + "good/"], checksums=fixtures, timeout=2)
    (root / FILES[1]).write_bytes(b"half a file")
    fetch_mnist(root, mirrors=[base + "good/"], checksums=fixtures, timeout=2)
    assert requests[-1] == "/good/" + FILES[1] and len(requests) == 5
    assert hashlib.md5((root / FILES[1]).read_bytes()).hexdigest() == fixtures[FILES[1]]


def test_checksum_mismatch_leaves_nothing_under_the_final_name(tmp_path, fixtures, server):
    base, _ = server
    wrong = dict(fixtures, **{FILES[0]: "0" * 32})
    root = tmp_path / "mnist"
    with pytest.raises(DownloadError) as err:
        fetch_mnist(root, mirrors=[base + "good/"], checksums=wrong, timeout=2)
    message = str(err.value)
    assert "\n" not in message
    assert f"checksum mismatch (MD5 {fixtures[FILES[0]]}, expected {'0' * 32})" in message
    assert f"{FILES[0]} still missing from {root}" in message
    assert not (root / FILES[0]).exists() and leftovers(root) == []
    assert all((root / name).is_file() for name in FILES[1:])    # the good ones stay


def test_first_mirror_404_then_second_works(tmp_path, fixtures, server):
    base, requests = server
    root = tmp_path / "mnist"
    fetch_mnist(root, mirrors=[base + "missing/", base + "good"], checksums=fixtures,
                timeout=2)
    assert all((root / name).is_file() for name in FILES)
    assert requests[:2] == ["/missing/" + FILES[0], "/good/" + FILES[0]]
    assert len(requests) == 8                          # a 404 mirror is asked for each file


def test_offline_fails_fast_with_one_line(tmp_path, closed_port_url):
    other = closed_port_url.replace("/mnist/", "/other/")
    root = tmp_path / "mnist"
    start = time.perf_counter()
    with pytest.raises(DownloadError) as err:
        fetch_mnist(root, mirrors=[closed_port_url, other], timeout=1)
    assert time.perf_counter() - start < 2
    message = str(err.value)
    assert "\n" not in message
    assert ", ".join(FILES) + f" still missing from {root}" in message
    assert f"tried {closed_port_url} (unreachable: " in message and other in message
    assert f"by hand (e.g. {closed_port_url}{FILES[0]})" in message
    assert message.endswith(f"put them, still gzipped, in {root}")
    assert leftovers(root) == []


def test_unreachable_mirror_is_not_asked_again(tmp_path, fixtures, server, closed_port_url,
                                               monkeypatch):
    base, _ = server
    calls = []
    real = download.urllib.request.urlopen
    monkeypatch.setattr(download.urllib.request, "urlopen",
                        lambda url, **kw: calls.append(url) or real(url, **kw))
    fetch_mnist(tmp_path / "m", mirrors=[closed_port_url, base + "good/"],
                checksums=fixtures, timeout=1)
    assert sum(url.startswith(closed_port_url) for url in calls) == 1
    assert len(calls) == 5


def test_mnist_download_true_uses_the_fetcher(tmp_path, fixtures, server, monkeypatch):
    base, requests = server
    monkeypatch.setattr(download, "MIRRORS", (base + "good/",))
    monkeypatch.setattr(download, "CHECKSUMS", fixtures)
    root = tmp_path / "new" / "folder"
    X, y = nn.datasets.mnist(root, download=True)
    assert X.shape == (N, 784) and len(requests) == 4
    nn.datasets.mnist(root, "test", download=True)     # present: no request
    assert len(requests) == 4


def test_mnist_download_true_offline_raises_download_error(tmp_path, closed_port_url,
                                                           monkeypatch):
    monkeypatch.setattr(download, "MIRRORS", (closed_port_url,))
    with pytest.raises(DownloadError, match="still missing"):
        nn.datasets.mnist(tmp_path / "mnist", download=True)


def test_mnist_without_download_never_fetches(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network used without download=True")
    monkeypatch.setattr(download.urllib.request, "urlopen", refuse)
    with pytest.raises(FileNotFoundError, match="download=True"):
        nn.datasets.mnist(tmp_path)
