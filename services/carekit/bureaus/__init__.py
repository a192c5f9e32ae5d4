"""The public stream for other bureaus (民政, 妇联, 公安, 卫健 ...): see README.md beside this.

broker (management API, names, permissions), directory (which bureaus a publisher serves),
stream (the relay's public copies, replay pages), desk (the publisher RPCs), onboarding (the
county's commands), asyncapi (the public contract), signing (webhook signatures).
`python -m carekit.bureaus --help`.
"""
