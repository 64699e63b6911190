# Case-study rules: placeholder until they land.


def cage_targets():
    return []
