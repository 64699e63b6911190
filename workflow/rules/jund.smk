# Case-study rules: placeholder until they land.


def jund_targets():
    return []
