"""forumflow: funding requests through a Schools Forum as durable Temporal workflows."""
