"""anysr_train: the PyTorch side of anysr (docs/models.md).

The reference network and its cost model (network), the model file (model_file, over
safetensors_io), the training data (datasets), the evaluation protocol (eval_protocol)
and the evaluation (evaluate), training (training), export (export), the golden vectors
(golden), the per-tile depth oracle (depth_oracle), fitting the depth adapter to it
(adapter_fit, adapter_variants) and the model report of docs/models.md (report).

The commands are the scripts beside this package (train/train.py, train/export.py, ...),
or its modules run from train/: python3 -m anysr_train.export ...
"""
