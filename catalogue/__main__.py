from catalogue.cli import app

if __name__ == "__main__":  # guarded: validation worker processes import this module again
    app(prog_name="catalogue")
