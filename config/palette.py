"""The site's chart colours, shared by the trader portal's and the staff dashboards' figures
(the same hues as static/css/propdesk.css)."""

BLUE = "#2563eb"
VIOLET = "#7c3aed"
RED = "#dc2626"
ORANGE = "#d97706"
GREEN = "#16a34a"
GREY = "#64748b"
