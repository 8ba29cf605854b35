"""What staff write, read and checked: config.yaml, the content library, YAML with line numbers, secrets; editing content files."""
