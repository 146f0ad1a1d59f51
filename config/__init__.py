"""The one settings class and the log setup, read by every process; imports no other forumflow
package.
"""
