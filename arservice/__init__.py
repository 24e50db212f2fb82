"""arservice: participatory-budgeting winners as real-scale 3D models in augmented reality."""

__version__ = "0.1.0"
GENERATOR_NAME = f"arservice {__version__}"
