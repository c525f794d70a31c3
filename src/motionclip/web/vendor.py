"""Re-vendor three.js into ``static/vendor`` from the npm registry (a maintainer tool).

Run:  python -m motionclip.web.vendor [--version 0.185.0]
Needs ``npm``.  ``npm pack`` downloads the release tarball into a temporary folder and the
few files the page uses are copied next to this module: the minified module build (which
imports ``three.core.min.js``), OrbitControls and three's MIT licence.  The page never loads
anything from a CDN.  0.185.0 is the newest release that still ships minified builds.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

VERSION = "0.185.0"
FILES = {
    "package/build/three.module.min.js": "three.module.min.js",
    "package/build/three.core.min.js": "three.core.min.js",
    "package/examples/jsm/controls/OrbitControls.js": "addons/controls/OrbitControls.js",
    "package/LICENSE": "LICENSE-three.txt",
}
VENDOR_DIR = Path(__file__).parent / "static" / "vendor"


def vendor(version: str = VERSION, dest: Path = VENDOR_DIR) -> list[Path]:
    """Fetch ``three@version`` with npm and copy :data:`FILES` into ``dest``."""
    out: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"three@{version}", "--silent"], cwd=tmp, check=True, capture_output=True)
        tarball = next(Path(tmp).glob("three-*.tgz"))
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, members=[tar.getmember(name) for name in FILES], filter="data")
        for src, rel in FILES.items():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(tmp) / src, target)
            out.append(target)
    (dest / "VERSION").write_text(f"three {version} (npm), vendored by motionclip.web.vendor\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", default=VERSION)
    args = parser.parse_args()
    for p in vendor(args.version):
        print(p)


if __name__ == "__main__":
    main()
