"""C emission and template assembly: op rules rendered, snippets poured into templates/."""
