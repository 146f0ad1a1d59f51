"""The officer's pages: their requests, a new request, the request page and its actions.

Every action is a plain form POST answered by a redirect back to the request page
(POST-redirect-GET), so each works without JavaScript. Each form carries a key of its
own, sent to the workflow as the Update id: a form sent twice (a double click, a
reload) has one effect. What a person may do comes from the workflow's allowed-actions
query, and whether an action is accepted from the workflow itself: a refusal comes back
as the workflow's ``TransitionRefused`` (rule code, message, field) and is shown in the
GOV.UK error summary on the page the form was on, with what was typed kept and nothing
changed. A role the action needs is a 403 page that names it; so is a change to a
request by an officer who is neither its author nor a co-author (any officer may read
any request, and the page offers them no change).
"""
