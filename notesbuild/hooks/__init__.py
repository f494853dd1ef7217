"""MkDocs hook files, one per concern, each registered in mkdocs.yml (`hooks:`), in this order:

- posts.py: on_config — read and check every post's front matter, order the posts, generate the nav.
- notebooks.py: execute the notebooks (cache), add their pages, figures and downloads; notebook pages.
- pages.py: a post's figures, numbers, citations, check marks, meta line and reading paths.
- listings.py: the home page, the section pages, the notebooks index, the feed.
- finish.py: math typeset to SVG after the build; a failed build leaves no site behind.

They share notesbuild.state.STATE. MkDocs loads each file by path, so each first puts this
checkout on sys.path (the stanza at its top).
"""
