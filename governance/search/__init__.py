"""One search box across the portal: each kind of record found through its own domain's selector."""
