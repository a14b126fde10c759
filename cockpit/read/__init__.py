"""Read models by page: the store and the config in, DataFrames and dicts out. Pages only lay
them out; tests call the same functions the screen shows."""
