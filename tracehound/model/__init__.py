"""The one internal vocabulary: plain typed structs, no IO."""
