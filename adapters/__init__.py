"""Adapters to the outside world: SMTP mail, the embedded outbox and iCalendar feeds; imports
config and the domain only.
"""
