"""Same inputs, same numbers: two executions of a real notebook give identical outputs.

The fastest notebook of the site runs twice in fresh kernels (its standalone form, as the build
runs it); every output but the stamp's clock must match byte for byte: printed text, published
values, check records and figures. A notebook whose numbers move between runs of one commit
would let its page drift from what the prose says.
"""

import copy

from notesbuild import cache, execute, standalone

SLUG = "reparam-gumbel"  # the quickest; trains nothing large, but draws and sums millions of numbers


def outputs_of(nb):
    """Per cell: stream text by stream (chunking varies), then every rich output but the stamp."""
    out = []
    for index, cell in enumerate(nb.cells, start=1):
        streams: dict[str, str] = {}
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                streams[o["name"]] = streams.get(o["name"], "") + o["text"]
            elif "data" in o:
                data = {k: v for k, v in o["data"].items() if k != "application/vnd.mlnotes.stamp+json"}
                out.append((index, o["output_type"], repr(sorted(data.items()))))
        out += [(index, name, text) for name, text in sorted(streams.items())]
    return out


def test_two_executions_give_identical_outputs():
    path = execute.NOTEBOOKS / f"{SLUG}.ipynb"
    env = execute.kernel_env(cache.profile())
    form = standalone.standalone_of(path)
    runs = [outputs_of(execute.run_notebook(copy.deepcopy(form), path, 600, env)[0]) for _ in range(2)]
    assert len(runs[0]) == len(runs[1]), "the two runs produced different numbers of outputs"
    differ = [a[0] for a, b in zip(*runs, strict=True) if a != b]
    assert not differ, f"notebooks/{SLUG}.ipynb: cells {sorted(set(differ))} gave different outputs in two runs"
