"""The staff UI under ``/admin``: server-rendered page shells plus small JavaScript modules.

    guard.py    who may open a page: a login (else a redirect to /admin/login?next=…, never to
                another site) and a role (else a 403 refusal page), checked on the server
    page.py     rendering: the staff layout, its menu by role, the fi/sv/en switch, headers
    texts.py    every word the staff pages and their scripts show (gettext message ids)
    assets.py   the staff scripts and styles (viewer/src/admin/), served content-hashed
    login.py    /admin/login and /admin/logout
    ideas.py    the planners' idea pages (list, new, editor with the live model preview)
    users.py    the admins' pages (users, audit log)

The pages never change data themselves (except logging in and out): their scripts call the JSON
API with the session cookie and the ``X-CSRF-Token`` header, so every rule, check and audit
record is the API's. See docs/staff-ui.md.
"""
