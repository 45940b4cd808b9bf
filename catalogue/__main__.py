from catalogue.cli import app

app(prog_name="catalogue")
