"""Issue 18: the store is an interface. The library builder asks its stores (prebuilt layers,
then one writable store) and knows no class of them; a backend is one class implementing
find / get_or_build / put; no cache is a NullStore; the memos live in a folder of their own."""
import os
import shutil

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.compiler import block_request
from resin_jit.runtime import load
from resin_jit.store import disk, interface, memo
from resin_jit.store.libraries import Libraries, open_store

from support import needs_native

x = rj.input("x")


class FolderStore(interface.KernelStore):
    """A backend of a few lines: every library a file named by its key in one folder, no locks,
    no checks (a test's, not a safe cache)."""
    hit = "disk"

    def __init__(self, root):
        self.root = root
        self.calls = []

    def find(self, key, opener):
        self.calls.append("find")
        path = os.path.join(self.root, key + ".so")
        return opener(path) if os.path.exists(path) else None

    def get_or_build(self, key, opener, compile, metadata):
        self.calls.append("get_or_build")
        loaded = self.find(key, opener)
        if loaded is not None:
            return loaded, self.hit
        workdir = os.path.join(self.root, "work")
        os.makedirs(workdir, exist_ok=True)
        final = os.path.join(self.root, key + ".so")
        shutil.move(compile(workdir), final)
        return opener(final), "built"


@needs_native
def test_a_backend_is_one_class_implementing_the_interface(tmp_path, new_process):
    store = FolderStore(str(tmp_path))
    config = rj.JitConfig(prebuilt=False)
    first = rj.JitCompiler(config)
    first.libraries.store = store
    kernel = first.compile(x * 3.0 + 0.125)
    np.testing.assert_array_equal(kernel(np.ones(4, np.float32)), 3.125)
    assert first.stats["compiles"] == 1 and len(list(tmp_path.glob("*.so"))) == 1

    new_process()
    libraries = Libraries(config, opener=load.LoadedLibrary, store=store)   # a new process's, same store
    kernel = first.compile(x * 3.0 + 0.125)
    again = libraries.get(block_request(kernel.graph, kernel.plan)[0],
                          lambda: pytest.fail("a library the store holds is not built again"))
    assert again is not None and libraries.stats["disk_hits"] == 1


@needs_native
def test_no_cache_is_a_null_store_that_builds_privately(tmp_path):
    jit = rj.JitCompiler(rj.JitConfig(cache=False, prebuilt=False))
    assert isinstance(jit.libraries.store, interface.NullStore) and jit.libraries.cache is None
    np.testing.assert_array_equal(jit.compile(x - 0.5)(np.ones(3, np.float32)), 0.5)
    assert jit.stats["compiles"] == 1
    with pytest.raises(rj.JitError, match="nothing to store into"):
        Libraries(rj.JitConfig(cache=False), build_only=True).put(("block", "float32", ("g",)), lambda: "")


def test_the_writable_store_is_the_disk_cache_when_one_is_configured(tmp_path):
    assert isinstance(open_store(rj.JitConfig(cache_dir=str(tmp_path / "cache"))), disk.KernelCache)
    assert isinstance(open_store(rj.JitConfig(cache=False)), interface.NullStore)


@needs_native
def test_the_memos_live_in_a_folder_of_their_own(tmp_path, new_process):
    root = tmp_path / "cache"
    new_process()
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=str(root), prebuilt=False, opt_level=1))
    jit.compile(x * 7.0)
    assert (root / memo.FOLDER / "toolchains.json").is_file()
    assert not any((root / name).exists() for name in memo.LEGACY_FILES)
    assert jit.libraries.key(("g",)) == jit.libraries.key(("g",))   # the fingerprint, remembered once
    cleared = disk.KernelCache(root).clear()
    assert cleared.kernels == 1 and not (root / memo.FOLDER).exists()


def test_a_memo_reads_what_is_odd_as_empty_and_refuses_unknown_names(tmp_path):
    toolchains = memo.memo(tmp_path, "toolchains")
    assert toolchains.get("gcc") is None
    toolchains.put("gcc", "gcc 12")
    assert toolchains.get("gcc") == "gcc 12" and memo.memo(tmp_path, "toolchains").get("gcc") == "gcc 12"
    toolchains.path.write_text("[1, 2")   # damaged
    assert toolchains.get("gcc") is None
    assert memo.memo(None, "toolchains") is memo.NO_MEMO and memo.NO_MEMO.get("gcc") is None
    with pytest.raises(ValueError, match="unknown memo"):
        memo.memo(tmp_path, "../../etc")
