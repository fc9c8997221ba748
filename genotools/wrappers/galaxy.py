"""Galaxy tool XML: one file per tool, a shared macros.xml and the Tool Shed's .shed.yml.

The files follow the IUC best practices (https://galaxy-iuc-standards.readthedocs.io): versions built from
@TOOL_VERSION@ and @VERSION_SUFFIX@, `argument=` on every parameter, single-quoted Cheetah variables, a
conditional for each set of alternative inputs, tests on ../test-data and RST help.
"""

import re
from xml.sax.saxutils import escape

from genotools.wrappers.model import CPU_IMAGE, GPU_IMAGE, Tool

PROFILE = "24.2"
# Inputs the tools index beside the file (a FASTA gets its .fai): linked into the job's working directory, so
# that the index is not written next to the dataset in Galaxy's file store. Format -> file name extension.
LINKED = {"fasta": "fa"}
# A GPU tool takes the GPU that the job's destination makes visible (CUDA_VISIBLE_DEVICES) and the CPU where there
# is none: Galaxy routes jobs by the <resource> requirements but tells the job nothing more.
RUNTIME = {"device": "--device cpu", "threads": "--threads \\${GALAXY_SLOTS:-1}", "quiet": "--quiet"}
GPU_RUNTIME = dict(RUNTIME, device="--device auto")
PARAM_TYPES = {"integer": "integer", "float": "float", "text": "text", "boolean": "boolean", "file": "data"}
ASSERTIONS = {
    "has_text": lambda value: f'<has_text text="{_attr(value)}"/>',
    "h5_keys": lambda value: f'<has_h5_keys keys="{_attr(",".join(value))}"/>',
    "min_size": lambda value: f'<has_size min="{value}"/>',
}
SUITE = "Deep-learning tools for genomics"


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
    """The Cheetah variable of an option, e.g. $seq_len or $source.reference."""
    group = _groups(tool).get(option.name)
    return f"${group[0]['name']}.{option.name}" if group else f"${option.name}"


def _optional(tool, option):
    """Whether a form may leave the option out: an option without a default, or one a case of a group lists
    under `optional`."""
    group = _groups(tool).get(option.name)
    if group:
        return any(option.name in group[0]["cases"][case].get("optional", []) for case in group[1])
    return option.default is None and not option.required


# --- inputs ------------------------------------------------------------------------------------------------

def _param(option, optional):
    """The <param> of one option (for a repeated parameter, the one inside its <repeat>)."""
    # Galaxy names a parameter after its flag; name it after the option where the two differ.
    named = option.name if option.flag[2:].replace("-", "_") != option.name else None
    attributes = {"name": named, "argument": option.flag, "type": PARAM_TYPES[option.kind]}
    if option.kind == "file":
        attributes.update(format=option.format, multiple="true" if option.multiple else None)
    elif option.choices:
        attributes["type"] = "select"
    elif option.kind == "boolean":
        attributes.update(truevalue=option.flag, falsevalue=option.off_flag or "",
                          checked=_value(bool(option.default)))
    elif option.default is not None and not option.multiple:
        attributes["value"] = _value(option.default)
    if option.kind in ("integer", "float"):
        attributes.update(min=option.minimum, max=option.maximum)
    if optional and option.kind != "boolean":
        attributes["optional"] = "true"
    head = f"<param{_attrs(**attributes, label=option.label, help=_help_text(option, optional) or None)}"
    if not option.choices:
        return [head + "/>"]
    default = _default(option)
    return [head + ">"] + [f"    <option{_attrs(value=choice, selected='true' if choice == default else None)}>"
                           f"{_attr(choice)}</option>" for choice in option.choices] + ["</param>"]


def _input(tool, option):
    if option.multiple and option.kind != "file":
        default = f" (none given: {', '.join(map(str, option.default))})" if option.default else ""
        return ([f'<repeat name="{_repeat(option)}" title="{_attr(option.label + default)}">']
                + ["    " + line for line in _param(option, False)] + ["</repeat>"])
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

def _argument(tool, option):
    """The command-line lines of one input or parameter."""
    variable = _reference(tool, option)
    if option.kind == "boolean":
        return [variable]
    if option.multiple and option.kind != "file":
        return [f"#for $item in ${_repeat(option)}:", f"    {option.flag} '$item.{option.name}'", "#end for"]
    if option.multiple:
        given = [f"#for $item in {variable}:", f"    {option.flag} '$item'", "#end for"]
        if not _optional(tool, option):
            return given
        # An optional multiple param left empty holds one None dataset: test it before looping.
        return [f"#if {variable}:", *["    " + line for line in given], "#end if"]
    value = f"{option.name}.{LINKED[option.format]}" if option.format in LINKED else f"'{variable}'"
    if not _optional(tool, option):
        return [f"{option.flag} {value}"]
    test = variable if option.kind == "file" else f"str({variable})"
    return [f"#if {test}:", f"    {option.flag} {value}", "#end if"]


def _link(tool, option):
    """The command that links an input into the working directory, inside the #if that says it was given."""
    variable = _reference(tool, option)
    lines = [f"ln -s '{variable}' {option.name}.{LINKED[option.format]} &&"]
    if _optional(tool, option):
        lines = [f"#if {variable}:", *["    " + line for line in lines], "#end if"]
    group = _groups(tool).get(option.name)
    if group:
        selector = f"${group[0]['name']}.{_selector(group[0])}"
        test = (f"{selector} == '{group[1][0]}'" if len(group[1]) == 1
                else f"{selector} in [{', '.join(repr(case) for case in group[1])}]")
        lines = [f"#if {test}:", *["    " + line for line in lines], "#end if"]
    return lines


def _command(tool):
    links = [line for option in tool.inputs if option.format in LINKED for line in _link(tool, option)]
    lines = [tool.command]
    groups, done = _groups(tool), set()
    for option in tool.inputs + tool.parameters:
        if option.name not in groups:
            lines += ["    " + line for line in _argument(tool, option)]
            continue
        group = groups[option.name][0]
        if group["name"] in done:
            continue
        done.add(group["name"])
        branches = []
        for case, spec in group["cases"].items():
            keyword = "#if" if not branches else "#else if"
            branches.append(f"{keyword} ${group['name']}.{_selector(group)} == '{case}':")
            branches += ["    " + line for name in spec["options"] for line in _argument(tool, tool.option(name))]
        lines += ["    " + line for line in branches + ["#end if"]]
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


def _test_param(option, value):
    if option.multiple and option.kind != "file":
        return [line for item in value for line in (f'<repeat name="{_repeat(option)}">',
                                                    f'    <param name="{option.name}" value="{_attr(item)}"/>',
                                                    "</repeat>")]
    if option.kind != "file":
        return [f'<param name="{option.name}" value="{_attr(_value(value))}"/>']
    value = ",".join(value) if option.multiple else value  # several datasets of a multiple="true" param
    return [f'<param name="{option.name}" value="{_attr(value)}" ftype="{option.format}"/>']


def _test(tool, test):
    formats = {name: fmt for name, fmt, *_ in _outputs(tool)}
    lines = [f'<test expect_num_outputs="{len(formats)}">']
    grouped = set()
    for group in tool.input_groups:
        case, spec = max(group["cases"].items(), key=lambda item: len(set(item[1]["options"]) & set(test["options"])))
        lines += [f'    <conditional name="{group["name"]}">',
                  f'        <param name="{_selector(group)}" value="{case}"/>']
        lines += ["        " + line for name in spec["options"] if name in test["options"]
                  for line in _test_param(tool.option(name), test["options"][name])]
        lines.append("    </conditional>")
        grouped |= {name for spec in group["cases"].values() for name in spec["options"]}
    lines += ["    " + line for name, value in test["options"].items() if name not in grouped
              for line in _test_param(tool.option(name), value)]
    collections = {name for name, *_, collection in _outputs(tool) if collection}
    for name, expectations in test["outputs"].items():
        if name in collections:
            lines.append(f'    <output_collection name="{name}" type="list" count="{expectations["count"]}"/>')
            continue
        lines += [f'    <output name="{name}" ftype="{formats[name]}">', "        <assert_contents>"]
        lines += [f"            {ASSERTIONS[kind](value)}" for kind, value in expectations.items()]
        lines += ["        </assert_contents>", "    </output>"]
    return lines + ["</test>"]


def _paragraphs(text):
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


def _help(tool):
    helps = {option.name: _help_text(option, False) for option in tool.outputs}
    inputs = [f"- **{option.label}** ({option.format}): {_help_text(option, _optional(tool, option))}"
              for option in tool.inputs]
    outputs = [f"- **{label}** ({'a collection of ' if collection else ''}{fmt})"
               f"{': ' + helps[name] if helps.get(name) else ''}" for name, fmt, label, _, collection in _outputs(tool)]
    lines = [".. class:: infomark", "", "**What it does**", ""]
    for paragraph in _paragraphs(tool.help):
        lines += [paragraph, ""]
    for title, items in (("Inputs", inputs), ("Outputs", outputs)):
        if items:
            lines += [f"**{title}**", "", *items, ""]
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
        *["        " + line for line in _inputs(tool)],
        "    </inputs>",
        "    <outputs>",
        *["        " + line for line in _output_lines(tool)],
        "    </outputs>",
        "    <tests>",
        *["        " + line for test in tool.tests for line in _test(tool, test)],
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
    gpu = """
    <!-- Tools that take the GPU a job's destination gives them, and run on the CPU where there is none. -->
    <xml name="requirements_gpu">
        <requirements>
            <requirement type="package" version="@TOOL_VERSION@">genotools</requirement>
            <container type="docker">{image}</container>
            <resource type="cuda_device_count_min">0</resource>
            <resource type="cuda_device_count_max">1</resource>
        </requirements>
    </xml>""".format(image=GPU_IMAGE) if any(tool.gpu for tool in tools) else ""
    return f"""<macros>
    <token name="@TOOL_VERSION@">{tools[0].version}</token>
    <token name="@VERSION_SUFFIX@">0</token>
    <token name="@PROFILE@">{PROFILE}</token>
    <xml name="requirements">
        <requirements>
            <requirement type="package" version="@TOOL_VERSION@">genotools</requirement>
            <container type="docker">{CPU_IMAGE}</container>
        </requirements>
    </xml>{gpu}
    <xml name="citations">
        <citations>
            <citation type="bibtex">@misc{{genotools,
    title = {{genotools: {SUITE.lower()}}},
    note = {{Version @TOOL_VERSION@}}
}}</citation>
            <yield/>
        </citations>
    </xml>
</macros>
"""


def _shed(tools):
    tool_lines = "".join(f"  - {tool.label} {tool.description}\n" for tool in tools)
    return f"""name: genotools
owner: genotools
description: {SUITE}
long_description: |
  {SUITE} that run the same on a CPU or a GPU:

{tool_lines}categories:
  - Machine Learning
  - Sequence Analysis
type: unrestricted
auto_tool_repositories:
  name_template: "{{{{ tool_id }}}}"
  description_template: "{{{{ tool_name }}}} (genotools)"
suite:
  name: suite_genotools
  description: {SUITE}
"""


def render(tools: list[Tool]) -> dict[str, str]:
    """{path relative to the repository root: text} of every Galaxy file."""
    files = {f"galaxy/{tool.name}.xml": _tool_xml(tool) for tool in tools}
    files["galaxy/macros.xml"] = _macros(tools)
    files["galaxy/.shed.yml"] = _shed(tools)
    return files
