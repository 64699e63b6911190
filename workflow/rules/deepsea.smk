# Case-study rules: placeholder until they land.


def deepsea_targets():
    return []
