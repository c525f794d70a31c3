"""Training a MotionCLIP: the Lightning module, the losses, precision, run state (resume,
stop files, signals), training checkpoints and image targets. ``motionclip train`` calls
:func:`motionclip.training.run.train`."""
