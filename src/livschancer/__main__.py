"""``python -m livschancer`` runs the Hydra app."""

from livschancer.cli import main

if __name__ == "__main__":
    main()
