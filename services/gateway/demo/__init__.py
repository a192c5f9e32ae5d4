"""The demo county for a first run (issue 11 §6): townships, schools, classes, teachers,
~200 left-behind children with guardians and parents, pairings, care records, diary,
activities, awards, assessments, and one login per role. See `steps` and `spec`."""
