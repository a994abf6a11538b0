"""Where compiled libraries live: keys, the disk cache, prebuilt layers, the library builder."""
