"""tp: the Total Place FAQ and pilot explorer."""

__version__ = "0.4.0"
