"""MT5 `.set` files (an Expert Advisor's inputs with optimization ranges), read and written losslessly.

A line is `name=value||start||step||stop||Y|N` (Y = optimized; MetaQuotes' own header names the fields
in that order) or a plain `name=value`; lines starting with `;` are comments. MT5 writes UTF-16LE with a
BOM and CRLF line ends; UTF-8 files are read as well. Every field is kept as written (text), so a file
read and written back is byte-identical, and ranges are taken as written even where start/stop look
unusual. Only values change when a pass is written back.
"""

from __future__ import annotations

import codecs
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from rayga.errors import ConfigError


@dataclass(frozen=True)
class SetInput:
    name: str
    value: str
    start: str | None = None  # None: a plain `name=value` line
    step: str | None = None
    stop: str | None = None
    optimize: str | None = None  # "Y" / "N" as written

    @property
    def optimized(self) -> bool:
        return self.optimize == "Y"

    def line(self) -> str:
        if self.start is None:
            return f"{self.name}={self.value}"
        return f"{self.name}={self.value}||{self.start}||{self.step}||{self.stop}||{self.optimize}"


@dataclass(frozen=True)
class SetFile:
    lines: tuple[str | SetInput, ...]  # comments and blank lines as text, inputs parsed
    encoding: str  # "utf-16-le" or "utf-8"
    bom: bool
    newline: str

    @property
    def inputs(self) -> dict[str, SetInput]:
        return {x.name: x for x in self.lines if isinstance(x, SetInput)}

    def params(self) -> dict[str, float | dict]:
        """The inputs as rayga `[strategy.params]`: optimized ones as {start, step, stop, value}, others as
        their value; true/false as 1/0. An optimized bool or enum input with step 0 spans every whole value
        from start to stop, as MT5 optimizes it (`false||0||true` is both values; an enum's values are
        taken as consecutive). Non-numeric values are left out."""
        out: dict[str, float | dict] = {}
        for x in self.inputs.values():
            value = _number(x.value)
            if value is None:
                continue
            if x.optimized:
                start, step, stop = (_number(v) for v in (x.start, x.step, x.stop))
                if None not in (start, step, stop):
                    if step == 0 and start != stop and start == int(start) and stop == int(stop):
                        step = 1.0  # a bool (false||0||true) or an enum: MT5 spans every value in between
                    out[x.name] = {"start": start, "step": step, "stop": stop, "value": value}
                    continue
            out[x.name] = value
        return out

    def with_values(self, values: dict[str, float]) -> SetFile:
        """The same file with these inputs' values replaced (ranges, flags, comments and order kept)."""
        unknown = sorted(set(values) - set(self.inputs))
        if unknown:
            raise ConfigError(f"the .set file has no input `{unknown[0]}`")
        lines = tuple(dataclasses.replace(x, value=_text(values[x.name], x.value))
                      if isinstance(x, SetInput) and x.name in values else x for x in self.lines)
        return dataclasses.replace(self, lines=lines)

    def text(self) -> str:
        return self.newline.join(x.line() if isinstance(x, SetInput) else x for x in self.lines)

    def write(self, path: str | Path) -> None:
        data = self.text().encode(self.encoding)
        bom = codecs.BOM_UTF16_LE if self.encoding == "utf-16-le" else codecs.BOM_UTF8
        Path(path).write_bytes((bom if self.bom else b"") + data)


def read_set(path: str | Path) -> SetFile:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the .set file ({exc.strerror or exc})") from None
    if raw.startswith(codecs.BOM_UTF16_LE):
        encoding, bom, body = "utf-16-le", True, raw[2:]
    elif raw.startswith(codecs.BOM_UTF8):
        encoding, bom, body = "utf-8", True, raw[3:]
    elif len(raw) > 1 and raw[1] == 0:
        encoding, bom, body = "utf-16-le", False, raw
    else:
        encoding, bom, body = "utf-8", False, raw
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a .set file (neither UTF-16 nor UTF-8 text)") from None
    newline = "\r\n" if "\r\n" in text else "\n"
    lines: list[str | SetInput] = []
    for i, line in enumerate(text.split(newline), start=1):
        if not line.strip() or line.lstrip().startswith(";"):
            lines.append(line)
            continue
        name, sep, rest = line.partition("=")
        fields = rest.split("||")
        if not sep or not name.strip() or len(fields) not in (1, 5) or (len(fields) == 5 and fields[4] not in "YN"):
            raise ConfigError(f"{path} line {i}: expected name=value||start||step||stop||Y or N (got {line[:60]!r})")
        lines.append(SetInput(name, *fields) if len(fields) == 5 else SetInput(name, rest))
    return SetFile(tuple(lines), encoding, bom, newline)


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    if text in ("true", "false"):
        return 1.0 if text == "true" else 0.0
    try:
        return float(text)
    except ValueError:
        return None


def _text(value: float, old: str) -> str:
    """A value written in the style of the old one (true/false, whole number, or decimal)."""
    if old in ("true", "false"):
        return "true" if value else "false"
    if float(value).is_integer() and "." not in old:
        return str(int(value))
    return repr(float(value))


def pass_set(order: tuple[str, ...], values: dict[str, float], ranges: dict[str, tuple[float, float, float]],
             template: SetFile | None = None, inputs: dict[str, str] | None = None) -> SetFile:
    """A .set file for one pass: the template (the user's own .set) with the pass's values (under the EA's
    input names where the strategy maps them: `inputs`, EA input -> parameter, a strategy's `set_inputs`),
    or a new file in MT5's format (UTF-16LE with BOM, CRLF) listing every parameter with its range (Y where
    optimized)."""
    if template is not None:
        by_param = {param: name for name, param in (inputs or {}).items()}
        named = {by_param.get(k, k): v for k, v in values.items()}
        return template.with_values({k: v for k, v in named.items() if k in template.inputs})
    lines: list[str | SetInput] = [
        "; saved by rayga: the inputs of one pass",
        "; to use it in the strategy tester, click Load in the context menu of the Inputs tab"]
    for name in order:
        value = _text(values[name], "0.0" if not float(values[name]).is_integer() else "0")
        if name in ranges:
            start, step, stop = (_text(v, "0.0") for v in ranges[name])
            lines.append(SetInput(name, value, start, step, stop, "Y"))
        else:
            lines.append(SetInput(name, value, value, "0", value, "N"))
    return SetFile(tuple(lines) + ("",), "utf-16-le", True, "\r\n")
