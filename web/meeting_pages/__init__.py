"""The pages of a forum meeting: the list and calendar, the agenda, and the meeting itself
(attendance, votes and minutes)."""
