"""The project's contract for bad input, as the coupled tests check it: exit code 2 and exactly one
line on stderr, "error: ...", containing given words (the key, the file, the values)."""


def one_line_error(r, words):
    """What is wrong with the finished process `r` (a subprocess.CompletedProcess with text output)
    as a one-line refusal containing every one of `words`, or None if nothing is."""
    lines = r.stderr.strip().splitlines()
    if r.returncode != 2:
        return f"exit {r.returncode}, want 2; stderr: {r.stderr.strip()}"
    if len(lines) != 1 or not lines[0].startswith("error: "):
        return f"want one 'error:' line, got {lines}"
    missing = [w for w in words if w not in lines[0]]
    if missing:
        return f"the line lacks {missing}: {lines[0]}"
    return None
