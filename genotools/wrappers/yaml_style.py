"""YAML laid out as CWL and nf-core authors write it."""

import yaml


class IndentedDumper(yaml.SafeDumper):
    """List items indented under their key, and no anchors or aliases."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: object) -> bool:
        return True
