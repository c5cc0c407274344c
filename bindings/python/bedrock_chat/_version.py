"""The package version; it matches the version of the libbedrock it bundles (BEDROCK_VERSION in
include/bedrock.h)."""

__version__ = "0.1.0"
