print("sitestream: under construction")
