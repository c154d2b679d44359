"""Query layer: the search language and RQL, over store/ tables, never trusting the text."""
