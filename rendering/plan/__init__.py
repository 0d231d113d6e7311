"""What to render, and whether it is current. The modules, one job each:

- ``registry``: the scenes in the story files, with what the renderer needs to know;
- ``options``: qualities, formats, themes, the options that decide the pixels;
- ``stamps``: the up-to-date hash and stamps, output folders, temporary files;
- ``jobs``: a job (one scene in one theme), hashed and skipped when up to date;
- ``cuts``: where a scene is cut into chunks of roughly equal cost.
"""
