"""Runs the notebooks headless (see notebooks/run): executes each, writes the executed copy and an HTML
rendering under runs/notebooks/, and checks that it raised nothing and holds at least one figure."""
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "runs" / "notebooks"


def figures(notebook):
    """The number of images among the notebook's outputs."""
    return sum(1 for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.get("outputs", []) if "image/png" in output.get("data", {}))


def errors(notebook):
    return [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.get("output_type") == "error"]


def main(args):
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    small = "--small" in args
    names = [a for a in args if not a.startswith("--")]
    if small:
        os.environ["IDL_NOTEBOOK_SCALE"] = "small"
    paths = sorted(HERE.glob("*.ipynb"))
    if names:
        paths = [p for p in paths if any(n in p.stem for n in names)]
        if not paths:
            print(f"notebooks/run: no notebook matches {' '.join(names)}", file=sys.stderr)
            return 2
    OUT.mkdir(parents=True, exist_ok=True)
    failed = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        started = time.time()
        client = NotebookClient(notebook, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}})
        problem = None
        try:
            client.execute()
        except CellExecutionError as e:
            problem = str(e).strip().splitlines()[-1] if str(e).strip() else "a cell raised"
        nbformat.write(notebook, OUT / path.name)
        html, _ = HTMLExporter().from_notebook_node(notebook)
        (OUT / (path.stem + ".html")).write_text(html)
        count = figures(notebook)
        if problem is None and errors(notebook):
            problem = "an error output"
        if problem is None and count == 0:
            problem = "no figure"
        seconds = time.time() - started
        status = "ok" if problem is None else f"FAILED: {problem}"
        print(f"{path.name}: {count} figure(s), {seconds:.0f} s, {status} -> {OUT / path.name}", flush=True)
        if problem is not None:
            failed.append(path.name)
    if failed:
        print(f"notebooks/run: {len(failed)} of {len(paths)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"notebooks/run: {len(paths)} notebook(s) executed, each with at least one figure and no error")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
